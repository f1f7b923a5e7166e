"""IdempotencyRecords on the embedded store: one run per key, its answer given again."""
import pytest

from common.errors import Conflict, NotFound, ServiceUnavailable
from common.idempotency import IdempotencyRecords
from common.storage import open_database


@pytest.fixture
def records(tmp_path):
    return IdempotencyRecords(open_database({"DATA_DIR": str(tmp_path)}, "idem"))


def run(records, call, key="k1", request_hash="h1", subject="alice"):
    return records.run(subject, "create", key, request_hash, call)


def raising(exc):
    def call():
        raise exc
    return call


def test_a_request_still_running_with_the_key_is_a_conflict(records):
    def first():
        with pytest.raises(Conflict, match="still in progress"):
            run(records, lambda: "second")
        return "first"

    assert run(records, first) == "first"
    assert run(records, lambda: "not run") == "first"


def test_a_refusal_is_kept_and_a_failure_is_not(records):
    with pytest.raises(NotFound, match="no such thing"):
        run(records, raising(NotFound("no such thing", {"id": ["unknown"]})))
    with pytest.raises(NotFound) as again:
        run(records, lambda: "not run")
    assert again.value.fields == {"id": ["unknown"]}

    with pytest.raises(ServiceUnavailable):
        run(records, raising(ServiceUnavailable("down")), key="k2")
    assert run(records, lambda: "ran again", key="k2") == "ran again"


def test_keys_are_scoped_by_caller_and_compared_by_request(records):
    assert run(records, lambda: 1) == 1
    assert run(records, lambda: 2, subject="bob") == 2
    with pytest.raises(Conflict, match="another request"):
        run(records, lambda: 3, request_hash="h2")


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_its_lease(records):
    run(records, lambda: "first")
    # As a worker killed between its write and storing its answer leaves it, long ago.
    claimed = records.records.find_one()["claimed_at"].replace(year=2000)
    records.records.update_many({}, {"$set": {"state": "running", "claimed_at": claimed}})
    assert run(records, lambda: "after the lease") == "after the lease"
