"""The service's store: one database handle per service process, whoever uses it."""
from common.consumer import Parking, reliable_event_handler
from common.storage import Database, Store


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
