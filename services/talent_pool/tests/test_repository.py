"""Storing talents on the embedded store: optimistic concurrency, one talent per person, the
outbox left to the relay, and the search paths the embedded engine needs."""
import pytest

from common.errors import Conflict
from common.repository import StaleWrite
from common.storage import open_database, read_documents
from services.talent_pool import admission
from services.talent_pool.domain.policy import DEFAULT_POLICY
from services.talent_pool.repository import TalentRepository
from common.testing.contracts import award, envelope, person_key


@pytest.fixture
def store(tmp_path):
    return TalentRepository(open_database({"DATA_DIR": str(tmp_path)}, "talent_pool"))


def test_a_write_that_lost_a_race_is_redone_on_the_fresh_record(store):
    admission.record_award(store, DEFAULT_POLICY, envelope(award()))
    stale = store.talent_by_person(award()["person_key"])
    # Someone else records another honour between our read and our write.
    admission.record_award(store, DEFAULT_POLICY, envelope(award(competition_id="cmp-2")))
    reads = iter([stale])
    fresh_read = store.talent_by_person
    store.talent_by_person = lambda key: next(reads, None) or fresh_read(key)

    admission.record_award(store, DEFAULT_POLICY, envelope(award(competition_id="cmp-3")))
    talent = fresh_read(award()["person_key"])
    assert sorted(h["competition_id"] for h in talent["honours"]) == ["cmp-2", "cmp-3", "cmp-3f2a9c1d7b4e"]
    assert talent["revision"] == 3 and len(talent["history"]) == 3


def test_two_first_awards_for_one_person_make_one_talent(store):
    # Both writers read "no talent yet"; the second insert meets the same talent id (derived from
    # the person key), reads the first one's talent and adds its honour to it.
    nobody = iter([None, None])
    fresh_read = store.talent_by_person
    store.talent_by_person = lambda key: next(nobody, "read") and fresh_read(key)
    admission.record_award(store, DEFAULT_POLICY, envelope(award()))
    admission.record_award(store, DEFAULT_POLICY, envelope(award(competition_id="cmp-2")))
    assert store.talents.count_documents({}) == 1
    assert len(fresh_read(award()["person_key"])["honours"]) == 2


def test_a_store_that_keeps_changing_gives_up_so_the_message_is_retried_later(store):
    admission.record_award(store, DEFAULT_POLICY, envelope(award()))
    def always_stale(current, talent, events=()):
        raise StaleWrite(talent["_id"])

    store.save_talent = always_stale
    with pytest.raises(Conflict):
        admission.record_award(store, DEFAULT_POLICY, envelope(award(competition_id="cmp-2")))


def test_events_ride_in_the_write_and_what_the_relay_sent_is_not_carried_back(store):
    admission.record_award(store, DEFAULT_POLICY, envelope(award()))
    key = award()["person_key"]
    [admitted] = store.talents.find_one({"person_key": key})["outbox"]
    assert admitted["event_type"] == "talent.admitted"
    # The relay sends it and pulls it out, without touching the revision.
    store.talents.update_one({"person_key": key}, {"$pull": {"outbox": {"event_id": admitted["event_id"]}},
                                                   "$unset": {"outbox_due_at": ""}})
    admission.record_award(store, DEFAULT_POLICY, envelope(award(competition_id="cmp-2", rank=2)))
    outbox = store.talents.find_one({"person_key": key})["outbox"]
    assert [e["event_type"] for e in outbox] == ["talent.updated"]


def test_reading_many_documents_is_linear_and_pages_match_a_plain_sort(store):
    for n in range(60):
        admission.record_award(store, DEFAULT_POLICY, envelope(award(
            person_key=person_key(5000 + n), name=f"选手{n % 7}", level="city" if n % 5 else "county")))
    everyone = list(read_documents(store.talents, {}, ("_id", "name")))
    assert len(everyone) == 60 and set(everyone[0]) == {"_id", "name"}
    expected = [d["_id"] for d in store.talents.find({}, {"_id": 1}).sort([("name", 1), ("_id", 1)])]
    pages = [store.search_talents({}, "name", 25, offset, {"name": 1}) for offset in (0, 25, 50)]
    assert [total for total, _ in pages] == [60, 60, 60]
    assert [d["_id"] for _, page in pages for d in page] == expected
    newest = store.search_talents({}, "-admitted_at", 100, 0, {"admitted_at": 1})[1]
    expected = [d["_id"] for d in store.talents.find({}, {"_id": 1}).sort([("admitted_at", -1), ("_id", 1)])]
    assert [d["_id"] for d in newest] == expected
    assert newest[-1]["admitted_at"] is None  # candidates last, as MongoDB sorts them
