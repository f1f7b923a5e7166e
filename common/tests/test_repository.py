"""A revision saved: what it returns is what the store holds, and a stale one changes nothing; a
document read by its id is what the engine finds, without its outbox."""
import datetime

import pytest

from common.events import make_event
from common.outbox import OUTBOX
from common.repository import NOT_STATE, Repository, StaleWrite
from common.storage import open_database


@pytest.fixture
def things(tmp_path):
    return open_database({"DATA_DIR": str(tmp_path)}, "things")["things"]


@pytest.fixture
def repository(things):
    class Things(Repository):
        outbox_collections = [things]
    return Things(things.database)


def record(action):
    return {"at": "2026-12-02T08:00:00+00:00", "by": "usr-1", "role": "admin", "action": action}


@pytest.mark.parametrize("projection", [NOT_STATE, {**NOT_STATE, "history": 0}], ids=["whole", "without history"])
def test_what_a_save_returns_is_what_the_store_holds(repository, things, projection):
    repository.insert(things, {"_id": "t1", "name": "a", "tags": ["x"], "gone": 1, "revision": 1,
                               "history": [record("create")]})
    current = things.find_one({"_id": "t1"}, projection)
    changed = {key: value for key, value in current.items() if key != "gone"}
    changed.update(name="b", tags=["x", "y"], added={"n": 2})
    stored = repository.save_revision(things, current, changed, record("edit"), events=[])
    assert stored == things.find_one({"_id": "t1"}, NOT_STATE)  # read in part, it is read back whole
    assert stored["revision"] == 2 and "gone" not in stored
    assert repository.save_revision(things, stored, {**stored, "name": "c"}, returning=False) is None
    assert things.find_one({"_id": "t1"})["name"] == "c"


def test_a_save_at_a_stale_revision_changes_nothing(repository, things):
    repository.insert(things, {"_id": "t1", "name": "a", "revision": 1, "history": []})
    current = things.find_one({"_id": "t1"}, NOT_STATE)
    repository.save_revision(things, current, {**current, "name": "b"}, record("edit"))
    with pytest.raises(StaleWrite):
        repository.save_revision(things, current, {**current, "name": "c"}, record("edit"))
    assert things.find_one({"_id": "t1"}, NOT_STATE) == {"_id": "t1", "name": "b", "revision": 2,
                                                         "history": [record("edit")]}


def test_a_read_by_id_is_what_the_engine_finds_without_the_outbox_and_is_the_callers_own(repository, things):
    when = datetime.datetime(2026, 12, 3, 8, 0, 0, 123000)
    repository.insert(things, {"_id": "t1", "name": "a", "at": when, "nested": {"tags": ["x"]},
                               "revision": 1, "history": [record("create")]},
                      events=[make_event("thing.created", {"id": "t1"}, source="things")])
    assert things.find_one({"_id": "t1"})[OUTBOX]
    read = repository.read(things, "t1")
    assert read == things.find_one({"_id": "t1"}, NOT_STATE) and read["at"] == when
    assert repository.read(things, "t1", ("history",)) == things.find_one({"_id": "t1"},
                                                                          {**NOT_STATE, "history": 0})
    read["nested"]["tags"].append("y")  # changing what was read changes nothing stored
    assert repository.read(things, "t1")["nested"] == {"tags": ["x"]}
    assert repository.read(things, "t2") is None
