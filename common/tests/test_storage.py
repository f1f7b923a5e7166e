"""The service's store: one database handle per service process, whoever uses it."""
import pytest

from common.consumer import Parking, reliable_event_handler
from common.storage import Database, Store, open_database, read_documents, read_holding_any


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


@pytest.mark.parametrize("values, condition", [
    (["a"], None), (["a", "c"], None), (["zz"], None), (["b"], {"year": {"$gte": 2024}}),
    (["a", "b", "c"], {"city": "3209"}), ([], None)])
def test_reading_what_holds_any_value_finds_what_the_engines_in_finds(tmp_path, values, condition):
    things = open_database({"DATA_DIR": str(tmp_path)}, "things")["things"]
    things.create_index("keys")
    things.create_index("city")
    things.insert_many([{"_id": f"t{n}", "keys": held, "year": 2022 + n % 4, "city": ["3209", "3702"][n % 2]}
                        for n, held in enumerate(HOLDINGS)] + [{"_id": "none", "year": 2025}])
    query = {"keys": {"$in": values}, **({"$and": [condition]} if condition else {})}
    expected = list(read_documents(things, query, ("_id", "year")))
    assert list(read_holding_any(things, "keys", values, ("_id", "year"), condition)) == expected
