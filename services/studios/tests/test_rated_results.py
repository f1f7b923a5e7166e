"""What a rating round reads of the verified results: their facts, kept by studio apart from the
results, on the embedded store. Every verified result is there, also when the process stopped
between the write that verified it and the write of its facts, and in a store written before the
facts were kept apart."""
import pytest

from common.auth import Principal
from common.repository import history_entry
from common.storage import open_database
from services.studios.domain.rating import result_facts
from services.studios.repository import FACTS_PENDING, StudiosRepository

REVIEWER = Principal(subject="reviewer-1", role="reviewer")
PERIOD = {"from": "2026-01-01", "to": "2026-12-31"}
NOW = "2026-06-01T00:00:00.000+00:00"


def result(number, studio_id, unit="总工会", achieved_on="2026-05-01", status="under_review"):
    return {"_id": f"res-{number}", "studio_id": studio_id, "unit": unit, "kind": "five_small",
            "title": f"数控车床主轴温升补偿装置{number}", "achieved_on": achieved_on, "status": status,
            "economic_benefit": {"cost_saved": 1000 * number, "value_created": 0,
                                 "confirmation": {"department": "财务部"}},
            "people_trained": number, "converted": number % 2 == 0, "prior_award_level": None,
            "revision": 1, "created_at": NOW}


@pytest.fixture
def config(tmp_path):
    return {"DATA_DIR": str(tmp_path)}


@pytest.fixture
def store(config):
    return StudiosRepository(open_database(config, "studios"))


def verify(store, number, studio_id, **fields):
    current = store.add_result(result(number, studio_id, **fields), history_entry(REVIEWER, "create", NOW))
    return store.save_result(current, {**current, "status": "verified", "verified_at": NOW},
                             history_entry(REVIEWER, "verify", NOW))


def facts_read(store, studio_ids, unit="总工会"):
    return {studio_id: [facts["_id"] for facts in found]
            for studio_id, found in store.verified_results(unit, studio_ids, PERIOD).items()}


def pending(store):
    return [r["_id"] for r in store.results.find({FACTS_PENDING: {"$exists": True}}, {"_id": 1})]


def test_a_verified_result_is_read_by_a_round_as_the_rating_reads_it(store):
    stored = verify(store, 1, "std-a")
    verify(store, 2, "std-a")
    verify(store, 3, "std-b")
    assert pending(store) == []
    found = store.verified_results("总工会", ["std-a", "std-b"], PERIOD)
    assert [facts["_id"] for facts in found["std-a"]] == ["res-1", "res-2"]
    assert found["std-a"][0] == result_facts(stored)
    assert [facts["_id"] for facts in found["std-b"]] == ["res-3"]


def test_only_verified_results_of_the_studios_unit_and_period_are_read(store):
    verify(store, 1, "std-a")
    verify(store, 2, "std-a", achieved_on="2025-12-31")
    store.add_result(result(3, "std-a"), history_entry(REVIEWER, "create", NOW))
    verify(store, 4, "std-b")
    verify(store, 5, "std-c", unit="别的工会")
    assert facts_read(store, ["std-a", "std-c"]) == {"std-a": ["res-1"], "std-c": []}


def test_a_result_verified_just_before_the_process_stopped_is_still_read(store, monkeypatch):
    verify(store, 1, "std-a")

    def stop(results):
        raise SystemExit("the process stops after the write that verified the result")

    with monkeypatch.context() as patched:
        patched.setattr(store, "record_rated_facts", stop)
        with pytest.raises(SystemExit):
            verify(store, 2, "std-a")
    assert store.result("res-2")["status"] == "verified" and pending(store) == ["res-2"]

    assert facts_read(store, ["std-a"]) == {"std-a": ["res-1", "res-2"]}
    assert pending(store) == []
    assert facts_read(store, ["std-a"]) == {"std-a": ["res-1", "res-2"]}


def test_a_store_written_before_the_facts_were_kept_apart_has_them_read_by_the_next_round(config):
    database = open_database(config, "studios")
    database["results"].insert_many([{**result(1, "std-a"), "status": "verified"},
                                     {**result(2, "std-a"), "status": "verified"},
                                     result(3, "std-a")])
    store = StudiosRepository(database)
    assert sorted(pending(store)) == ["res-1", "res-2"]
    assert facts_read(store, ["std-a"]) == {"std-a": ["res-1", "res-2"]}
    assert pending(store) == []
    # Once kept, the facts are not recorded again at the next start.
    assert pending(StudiosRepository(database)) == []
