"""The service's store: one database handle per service process, whoever uses it."""
import datetime
import tempfile

import pymongo.errors
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.consumer import Parking, reliable_event_handler
from common.storage import (Database, Store, document_test, open_database, read_documents, read_lowest,
                            update_one)


class Things:
    def __init__(self, database):
        self.database = database
        self.outbox_collections = []


class Keeper:
    name = "keeper"
    store = Store(Things)
    parking = Parking()

    @reliable_event_handler("outbox_test", "thing.changed")
    def handle(self, envelope):
        pass


def test_the_repository_and_the_parked_messages_share_one_database_handle(container_factory,
                                                                         service_config):
    container = container_factory(Keeper, service_config)
    container.start()

    databases = [extension for extension in container.subextensions if isinstance(extension, Database)]
    assert len(databases) == 1
    repository = next(d for d in container.dependencies if isinstance(d, Store)).repository
    parked = next(d for d in container.dependencies if isinstance(d, Parking)).lot.messages.parked
    assert repository.database is databases[0].database
    assert parked.database is databases[0].database


HOLDINGS = [["a", "b"], ["b"], "a", ["c", {"a": 1}, ["a"]], [], None, ["A"], [1, "c"], "x"]


@pytest.mark.parametrize("condition", [
    {"keys": "a"}, {"keys": {"$in": ["a", "c"]}}, {"keys": {"$ne": "b"}}, {"year": {"$gte": 2024}},
    {"$and": [{"keys": {"$in": ["b", "x"]}}, {"city": "3209"}]}, {"keys": {"$size": 2}}])
def test_a_document_in_hand_is_tested_as_the_store_tests_it(tmp_path, condition):
    things = open_database({"DATA_DIR": str(tmp_path)}, "things")["things"]
    documents = [{"_id": f"t{n}", "keys": held, "year": 2022 + n % 4, "city": ["3209", "3702"][n % 2]}
                 for n, held in enumerate(HOLDINGS)] + [{"_id": "none", "year": 2025}]
    things.insert_many(documents)
    test = document_test(condition)
    assert [d["_id"] for d in documents if test(d)] == [d["_id"] for d in things.find(condition, {"_id": 1})]


# Reading many documents: plain conditions tested in Python find what the store's filter finds.


TEXTS = st.sampled_from(["a", "b", "c", "draft", ""])
VALUES = st.one_of(TEXTS, st.none(), st.integers(0, 2), st.booleans(),
                   st.lists(st.one_of(TEXTS, st.integers(0, 2), st.lists(TEXTS, max_size=2),
                                      st.fixed_dictionaries({"a": TEXTS})), max_size=4))
DOCUMENTS = st.lists(st.dictionaries(st.sampled_from(["k", "s"]), VALUES), max_size=12)
SPECS = st.one_of(TEXTS, st.fixed_dictionaries({"$in": st.lists(TEXTS, max_size=3)}),
                  st.fixed_dictionaries({"$ne": TEXTS}),
                  # a range of texts, as of ISO days, alone or beside another operator
                  st.dictionaries(st.sampled_from(["$gt", "$gte", "$lt", "$lte", "$ne"]), TEXTS,
                                  min_size=1, max_size=3))
CONDITIONS = st.one_of(
    st.dictionaries(st.sampled_from(["k", "s"]), SPECS, max_size=2),
    st.builds(lambda first, more: {**first, "$and": more},
              st.dictionaries(st.sampled_from(["k", "s"]), SPECS, max_size=1),
              st.lists(st.dictionaries(st.sampled_from(["k", "s"]), SPECS, min_size=1, max_size=2),
                       min_size=1, max_size=2)))


@settings(max_examples=300, deadline=None)
@given(documents=DOCUMENTS, condition=CONDITIONS)
def test_a_plain_condition_read_in_python_finds_what_the_embedded_store_finds(documents, condition):
    with tempfile.TemporaryDirectory() as directory:
        database = open_database({"DATA_DIR": directory}, "reading")
        things = database["things"]
        things.create_index("k")
        if documents:
            things.insert_many([{"_id": n, **document} for n, document in enumerate(documents)])
        found = sorted(d["_id"] for d in read_documents(things, condition, ("_id",)))
        # The store's own filter, through the public API.
        assert found == sorted(d["_id"] for d in things.find(condition, {"_id": 1}))
        database.client.close()


def test_a_range_of_texts_on_an_indexed_field_decodes_only_the_documents_in_range(tmp_path, monkeypatch):
    """As the notifications' sender reads the deliveries due, every second, among every delivery
    ever made: the delivered ones have no next attempt and are not read at all."""
    deliveries = open_database({"DATA_DIR": str(tmp_path)}, "notifications")["deliveries"]
    deliveries.create_index("next_attempt_at", sparse=True)
    deliveries.insert_many([{"_id": f"dlv-{n}", "status": "delivered"} for n in range(300)] + [
        {"_id": "dlv-due", "status": "pending", "next_attempt_at": "2026-12-04T08:00:00.000+00:00"},
        {"_id": "dlv-later", "status": "pending", "next_attempt_at": "2026-12-04T09:00:00.000+00:00"}])
    due = {"next_attempt_at": {"$lte": "2026-12-04T08:30:00.000+00:00"}}
    assert [d["_id"] for d in read_documents(deliveries, due, ("_id",))] == ["dlv-due"]  # the index built
    table = deliveries._store._documents
    decoded = []

    def decode(encoded, decode_doc=table._decode_doc):
        decoded.append(encoded)
        return decode_doc(encoded)
    monkeypatch.setattr(table, "_decode_doc", decode)

    assert [d["_id"] for d in read_documents(deliveries, due, ("_id", "status"))] == ["dlv-due"]
    assert len(decoded) == 1


# Updating one document: what the embedded store holds after update_one is what the engine's own
# update leaves, whether the update is applied by update_one or by the engine.


FIELDS = st.sampled_from(["a", "n", "items", "at"])
STORED = st.one_of(TEXTS, st.none(), st.integers(-2, 2), st.floats(-2, 2), st.booleans(),
                   st.lists(st.one_of(TEXTS, st.integers(0, 2)), max_size=3),
                   st.fixed_dictionaries({"a": TEXTS}),
                   # Within what converts to UTC in every zone (1-01-01 00:00 +08:00 is before year 1 in UTC).
                   st.datetimes(min_value=datetime.datetime(1900, 1, 1), max_value=datetime.datetime(2200, 1, 1),
                                timezones=st.sampled_from([datetime.timezone.utc,
                                                           datetime.timezone(datetime.timedelta(hours=8))])))
UPDATES = st.dictionaries(
    st.sampled_from(["$set", "$unset", "$inc", "$push", "$min"]),
    st.dictionaries(st.one_of(FIELDS, st.sampled_from(["_id", "x.y"])),
                    st.one_of(STORED, st.fixed_dictionaries({"$each": st.lists(TEXTS, max_size=2)}))),
    max_size=3)
UPDATED = st.lists(st.dictionaries(FIELDS, STORED), min_size=1, max_size=4)


@given(st.lists(st.one_of(st.none(), st.integers(0, 40)), max_size=60),
       st.integers(0, 45), st.integers(1, 10), st.booleans())
def test_the_lowest_in_range_are_read_as_a_sort_and_limit_would_read_them(tmp_path_factory, stored, most,
                                                                            limit, indexed):
    """As the notifications' sender takes the longest waiting deliveries due to fill its places:
    the same on the embedded store from the field's index as a sort of every match would give."""
    deliveries = open_database({"DATA_DIR": str(tmp_path_factory.mktemp("lowest"))}, "notifications")["deliveries"]
    if indexed:
        deliveries.create_index("next_attempt_at", sparse=True)
    # Some due at the same time (ordered by id then), some no longer due at all.
    documents = [{"_id": f"dlv-{n:03d}", **({} if due is None else {"next_attempt_at": f"2026-12-04T{due:02d}"})}
                 for n, due in enumerate(stored)]
    if documents:
        deliveries.insert_many(documents)
    bound = f"2026-12-04T{most:02d}"
    expected = sorted((d for d in documents if d.get("next_attempt_at", "~") <= bound),
                      key=lambda d: (d["next_attempt_at"], d["_id"]))[:limit]
    found = read_lowest(deliveries, "next_attempt_at", bound, limit, ("_id", "next_attempt_at"))
    assert found == [{"_id": d["_id"], "next_attempt_at": d["next_attempt_at"]} for d in expected]
    deliveries.database.client.close()


def _stored(things):
    return sorted(things.find({}), key=lambda document: document["_id"])


@settings(max_examples=300, deadline=None)
@given(documents=UPDATED, update=UPDATES, which=st.integers(0, 4), revision=st.sampled_from([None, 1, 2]))
def test_an_update_of_one_document_leaves_what_the_engines_own_update_leaves(documents, update, which,
                                                                                revision):
    with tempfile.TemporaryDirectory() as directory:
        stores = []
        for name in ("here", "engine"):
            database = open_database({"DATA_DIR": directory}, name)
            things = database["things"]
            things.insert_many([{"_id": f"d{n}", "revision": 1 + n % 2, **document}
                                for n, document in enumerate(documents)])
            stores.append((database, things))
        condition = {"_id": f"d{which}", **({} if revision is None else {"revision": revision})}
        outcomes = []
        for (database, things), update_with in zip(stores, (
                update_one, lambda c, q, u: c.update_one(q, u).matched_count == 1)):
            try:
                outcomes.append((update_with(things, condition, update), None))
            except Exception as error:  # both refuse it, the same way
                outcomes.append((None, type(error).__name__))
        assert outcomes[0] == outcomes[1]
        assert _stored(stores[0][1]) == _stored(stores[1][1])
        for database, _ in stores:
            database.client.close()


def test_an_update_that_breaks_a_unique_index_leaves_the_document_as_it_was(tmp_path):
    things = open_database({"DATA_DIR": str(tmp_path)}, "things")["things"]
    things.create_index("claim", unique=True, sparse=True)
    things.insert_many([{"_id": "a", "claim": "x", "revision": 1}, {"_id": "b", "claim": "y", "revision": 1}])

    with pytest.raises(pymongo.errors.DuplicateKeyError):
        update_one(things, {"_id": "b", "revision": 1}, {"$set": {"claim": "x"}, "$inc": {"revision": 1}})

    assert things.find_one({"_id": "b"}) == {"_id": "b", "claim": "y", "revision": 1}
    assert [d["_id"] for d in things.find({"claim": "y"})] == ["b"]  # its index entry too
    assert update_one(things, {"_id": "b", "revision": 1}, {"$set": {"claim": "z"}, "$inc": {"revision": 1}})
    assert things.find_one({"claim": "z"}) == {"_id": "b", "claim": "z", "revision": 2}
