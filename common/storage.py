"""Each service's own database, behind pymongo's API.

MONGO_URI set: a real MongoDB. Unset: the embedded litemongo store, one directory per service
under DATA_DIR, which survives restarts. Neither engine is used with transactions: a change is
atomic within one document, so aggregates are shaped so that one command changes one document.
"""
import pathlib

import litemongo
import pymongo
from pymongo.collection import Collection
from nameko.extensions import DependencyProvider, SharedExtension

from common.outbox import MAX_UNROUTABLE_ATTEMPTS, OutboxRelay

DATABASE_NAME = "jiangxin"


def open_database(config, service_name):
    uri = config.get("MONGO_URI")
    if uri:
        return pymongo.MongoClient(uri)[f"{DATABASE_NAME}_{service_name}"]
    directory = pathlib.Path(config.get("DATA_DIR") or "var").absolute() / service_name
    return litemongo.connect(str(directory))[DATABASE_NAME]


def is_embedded(collection):
    return not isinstance(collection, Collection)


def read_documents(collection, condition, fields):
    """Every document matching ``condition``, with only ``fields``, read once.

    A cursor of the embedded store copies its whole result list on every ``next()``, which is
    quadratic in the number of results (reading 100,000 talents through one took 54 s), so there
    the documents come from the store's own generator of matches instead.
    """
    iterate = getattr(collection, "_iter_documents", None) if is_embedded(collection) else None
    if iterate is None:
        yield from collection.find(condition, {**{key: 1 for key in fields}, "_id": "_id" in fields})
        return
    for document in iterate(condition):
        yield {key: document.get(key) for key in fields if key in document}


class Database(SharedExtension):
    """The service's one database handle in this process, shared by everything that stores.

    Opened on first use, whichever extension is set up first: the repository, the parked
    messages and any other store of the service all go through this one handle.
    """

    def __init__(self):
        self._database = None

    @property
    def database(self):
        if self._database is None:
            self._database = open_database(self.container.config, self.container.service_name)
        return self._database


class Store(DependencyProvider):
    """Gives every worker the service's repository, and publishes what it writes to the outbox.

    ``repository_class(database)`` builds the repository once per container; it declares its
    indexes in its constructor, lists ``outbox_collections`` for the relay and, after every write
    that fills an outbox, calls ``outbox_written(collection, document_id, envelopes)``.
    """

    database = Database()

    def __init__(self, repository_class):
        self.repository_class = repository_class
        self.repository = None
        self.relay = None

    def setup(self):
        config = self.container.config
        self.repository = self.repository_class(self.database.database)
        self.relay = OutboxRelay(
            amqp_uri=config["AMQP_URI"],
            source=self.container.service_name,
            collections=self.repository.outbox_collections,
            # Off only where a test stands in for a process that died before publishing.
            enabled=str(config.get("OUTBOX_RELAY", True)).lower() not in ("false", "0", "no", "off"),
            max_unroutable_attempts=int(config.get("OUTBOX_UNROUTABLE_ATTEMPTS")
                                        or MAX_UNROUTABLE_ATTEMPTS),
        )
        # A write that fills an outbox hands its envelopes to the relay, which sends them at once
        # instead of at its next scan, without reading them back.
        self.repository.outbox_written = self.relay.written

    def start(self):
        self.container.spawn_managed_thread(self.relay.run, identifier="outbox_relay")

    def stop(self):
        self.relay.stop()

    def kill(self):
        self.relay.stop()

    def get_dependency(self, worker_ctx):
        return self.repository
