"""Each service's own database, behind pymongo's API.

MONGO_URI set: a real MongoDB. Unset: the embedded litemongo store, one directory per service
under DATA_DIR, which survives restarts. Neither engine is used with transactions: a change is
atomic within one document, so aggregates are shaped so that one command changes one document.

The embedded store serves one service process: mongomock checks unique indexes and conditions in
the memory of the process that writes, so two processes on one directory lose and double writes.
A service process therefore holds an exclusive lock on its directory (``StoreInUse`` for a
second one); scaling out is for MongoDB. Other processes (the CLI when the service is down, test
helpers reading a store) open it without the lock.

What the engines raise when the store cannot serve (full, read-only, locked, unreachable) is
recognised here, in :func:`outage`, and nowhere else.
"""
import errno
import fcntl
import operator
import os
import pathlib
import sqlite3

import bson
import litemongo
import pymongo
import pymongo.errors
from litemongo import sqlite_store
from litemongo._vendor.mongomock.filtering import filter_applies
from pymongo.collection import Collection
from nameko.extensions import DependencyProvider, SharedExtension

from common.collector import freeze_start_up
from common.outbox import MAX_UNROUTABLE_ATTEMPTS, OutboxRelay

DATABASE_NAME = "jiangxin"
MONGO_URI_KEY = "MONGO_URI"
LOCK_FILE = "service.lock"
# How long a write waits for another connection's lock before "database is locked": short enough
# that the caller gets a 503 well within its RPC timeout instead of a 504 (SQLite's default: 5 s).
BUSY_TIMEOUT_MS = 2000

# sqlite3.OperationalError messages that mean the store cannot serve now, not a bug.
_SQLITE_OUTAGES = ("database or disk is full", "attempt to write a readonly database",
                   "database is locked", "unable to open database file", "disk i/o error")
_MONGO_OUTAGES = (pymongo.errors.AutoReconnect, pymongo.errors.ServerSelectionTimeoutError,
                  pymongo.errors.NotPrimaryError)
# What a disk answers when it cannot take a file now (common.files writes there).
_DISK_OUTAGES = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exhausted",
                 errno.EROFS: "the disk is read-only", errno.EIO: "the disk failed to read or write"}


class StoreInUse(RuntimeError):
    """Another process serves this embedded store."""


def outage(exc):
    """What to tell a caller when ``exc`` means the store cannot serve (full, read-only, locked,
    unreachable), or None when it is some other failure."""
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        if any(known in text for known in _SQLITE_OUTAGES):
            return f"the service's store cannot serve now: {exc}"
    if isinstance(exc, _MONGO_OUTAGES):
        return "the service's database is not reachable"
    if isinstance(exc, OSError) and exc.errno in _DISK_OUTAGES:
        return f"the service's store cannot serve now: {_DISK_OUTAGES[exc.errno]}"
    return None


class _CollectionStore(sqlite_store.CollectionStore):
    def open(self):
        super().open()
        # Set after litemongo's own pragmas: opening waits up to SQLite's default once, every
        # later statement at most BUSY_TIMEOUT_MS.
        self._connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


class _DatabaseStore(sqlite_store.DatabaseStore):
    def __getitem__(self, col_name):
        if col_name not in self._collections:
            self._collections[col_name] = _CollectionStore(
                self._dirpath / col_name, codec_options=self._codec_options)
        return self._collections[col_name]


class _ServerStore(sqlite_store.ServerStore):
    def __getitem__(self, db_name):
        if db_name not in self._databases:
            self._databases[db_name] = _DatabaseStore(self._dirpath / db_name)
        return self._databases[db_name]


def embedded(config):
    """Whether the service stores in the embedded engines under DATA_DIR (MONGO_URI unset) rather
    than in MongoDB: the one place that decides, for the database and for files alike."""
    return not config.get(MONGO_URI_KEY)


def store_directory(config, service_name):
    return pathlib.Path(config.get("DATA_DIR") or "var").absolute() / service_name


def open_database(config, service_name):
    """The service's database, without taking the embedded store's lock: for tools and tests.
    A service process opens it through :class:`Database`, which does."""
    if not embedded(config):
        return pymongo.MongoClient(config[MONGO_URI_KEY])[f"{DATABASE_NAME}_{service_name}"]
    return litemongo.MongoClient(_ServerStore(store_directory(config, service_name)))[DATABASE_NAME]


def lock_store(directory):
    """An exclusive lock on an embedded store's directory, held while the returned file is open;
    StoreInUse if another process holds it. flock goes with the process, however it ends."""
    directory.mkdir(parents=True, exist_ok=True)
    lock = open(directory / LOCK_FILE, "a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip() or "another process"
        lock.close()
        raise StoreInUse(
            f"the embedded store {directory} is in use by {holder}: one process per service "
            "may use an embedded store; set MONGO_URI to a MongoDB to run more than one") from None
    lock.seek(0)
    lock.truncate()
    lock.write(f"process {os.getpid()}\n")
    lock.flush()
    return lock


def sqlite_connections(database):
    """The SQLite connections of an embedded database's open collections: for fault tests that
    make the store read-only or full on purpose, as a disk would."""
    collections = database.client._store[database.name]._collections
    return [collection._connection for collection in collections.values()]


def is_embedded(collection):
    return not isinstance(collection, Collection)


def read_documents(collection, condition, fields):
    """Every document matching ``condition``, with only ``fields``, read once.

    A cursor of the embedded store copies its whole result list on every ``next()``, which is
    quadratic in the number of results (reading 100,000 talents through one took 54 s), so there
    the documents come from the store's own generator of matches instead. Its filter compares
    values through several layers per value (some 20 µs a document for ``$in`` a few keys on an
    array of twenty): a condition of the plain shapes ``_plain_test`` knows is tested in Python
    on the candidates the store's indexes give.
    """
    iterate = getattr(collection, "_iter_documents", None) if is_embedded(collection) else None
    if iterate is None:
        yield from collection.find(condition, {**{key: 1 for key in fields}, "_id": "_id" in fields})
        return
    test = _plain_test(condition)
    store = getattr(collection, "_store", None)
    if test is None or not hasattr(store, "find_candidates"):
        matches = iterate(condition)
    else:
        matches = (document for document in _candidates(store, condition) if test(document))
    for document in matches:
        yield {key: document.get(key) for key in fields if key in document}


def _candidates(store, condition):
    """The documents of the embedded store that may match the plain ``condition``, a superset the
    caller tests, in the store's natural order.

    The store's query index plans equalities and ``$in`` only: any other condition decoded every
    document of the collection, such as the notifications' sender reading the deliveries due
    (``{"next_attempt_at": {"$lte": now}}``) every second among every delivery ever made (0.43 s
    for 100,000). A range of texts on a top-level field with an index is planned here too: the
    documents whose keys in that field's index fall within it (those it could not key as well),
    so the read costs what is in range plus one comparison per distinct value indexed.
    """
    ranges = {field: spec for field, spec in condition.items() if _text_range(spec)}
    query_index = getattr(store, "_get_query_index", None)
    if not ranges or query_index is None:
        return store.find_candidates(condition)
    store._remove_expired_documents()
    index = query_index()
    keys = index.candidates(condition)
    for field, spec in ranges.items():
        field_index = index._fields.get(field)
        if field_index is not None:
            in_range = _keys_in_range(field_index, spec)
            keys = in_range if keys is None else keys & in_range
    if keys is None:
        return store.documents
    return store._get_many(index.in_natural_order(keys))


def _text_range(spec):
    """Whether ``spec`` compares with a text (``$gt``, ``$gte``, ``$lt``, ``$lte``), beside any
    other operator."""
    return type(spec) is dict and any(name in _ORDERINGS and type(argument) is str
                                      for name, argument in spec.items())


def _keys_in_range(field_index, spec):
    """The store keys of the documents whose value in ``field_index`` holds for each of the
    comparisons with a text of ``spec``, each perhaps by another element of an array (as MongoDB
    has it), and of those whose value the index could not key."""
    keys = None
    for name, argument in spec.items():
        compare = _ORDERINGS.get(name)
        if compare is None or type(argument) is not str:
            continue
        holding = set()
        for key, store_keys in field_index._entries.items():
            if key[0] == "s" and compare(key[1], argument):  # ("s", text): how the index keys a text
                holding |= store_keys
        keys = holding if keys is None else keys & holding
    return keys | field_index._unkeyed


def read_lowest(collection, field, most, limit, fields):
    """The ``limit`` documents whose (text) ``field`` is at most ``most``, the lowest first (then
    by ``_id``), with only ``fields``: the deliveries due, the longest waiting first.

    On the embedded store, from ``field``'s index: its keys in range are ordered and only the
    first ``limit`` documents decoded, not every one in range (a sender filling a place or two
    in its pool as each attempt ends read a thousand due to take one).
    """
    store = getattr(collection, "_store", None) if is_embedded(collection) else None
    query_index = getattr(store, "_get_query_index", None)
    field_index = query_index()._fields.get(field) if query_index is not None else None
    if field_index is None or field_index._unkeyed:
        if store is None:
            cursor = collection.find({field: {"$lte": most}}, {key: 1 for key in fields})
            return list(cursor.sort([(field, pymongo.ASCENDING), ("_id", pymongo.ASCENDING)]).limit(limit))
        found = read_documents(collection, {field: {"$lte": most}}, tuple({*fields, field, "_id"}))
        return [{key: d[key] for key in fields if key in d}
                for d in sorted(found, key=lambda d: (d[field], d["_id"]))[:limit]]
    store._remove_expired_documents()
    keys = []
    for key in sorted(k for k in field_index._entries if k[0] == "s" and k[1] <= most):
        # Of one value, by _id: a store key is its _id's text behind a type prefix ("s:" for a
        # text), so that the many of one fan-out (made at one instant) are not all decoded.
        keys.extend(sorted(field_index._entries[key])[:limit - len(keys)])
        if len(keys) >= limit:
            break
    documents = sorted(store._get_many(keys), key=lambda d: (d[field], d["_id"]))
    return [{key: d[key] for key in fields if key in d} for d in documents]


def read_document(collection, document_id, without=()):
    """The document whose ``_id`` is the text ``document_id``, without the fields ``without``;
    None if there is none.

    On the embedded store mongomock projects the document it finds by copying it field by field
    and walks it for datetimes (some 0.1 ms for a studio, read at every submission); the store
    decodes a fresh copy from its file at every read, which is taken as it is instead."""
    store = getattr(collection, "_store", None) if is_embedded(collection) else None
    if not isinstance(store, sqlite_store.CollectionStore) or type(document_id) is not str:
        return collection.find_one({"_id": document_id}, {key: 0 for key in without} or None)
    document = _stored(store, document_id)
    if document is not None:
        for key in without:
            document.pop(key, None)
    return document


def _stored(store, document_id):
    """The embedded store's document ``document_id`` as it decodes it from its file, or None:
    straight from its table by key, without asking the query index (which checks the file for
    other writers' changes first)."""
    try:
        return store[document_id]
    except KeyError:
        return None


def document_test(condition):
    """``condition`` as a test of a document in hand, as the engines mean it: in Python when it is
    plain (see ``_plain_test``), else by mongomock's matcher."""
    return _plain_test(condition) or (lambda document: filter_applies(condition, document))


_MISSING = object()


def _any_of(wanted, value):
    """Whether the array ``value`` holds one of the texts ``wanted``."""
    try:
        return not wanted.isdisjoint(value)
    except TypeError:  # an element that cannot be hashed (a sub-document) is no text
        return not wanted.isdisjoint(v for v in value if type(v) is str)


def _value_test(spec):
    """A test of one field's value for ``spec`` (text, or a dict of the operators
    ``_operator_test`` knows, all of which must hold) as MongoDB means it: an array matches when
    one of its elements does; None for any other spec."""
    if type(spec) is str:
        return lambda value: value == spec or (type(value) is list and spec in value)
    if type(spec) is not dict or not spec:
        return None
    tests = [_operator_test(operator, argument) for operator, argument in spec.items()]
    if None in tests:
        return None
    if len(tests) == 1:
        return tests[0]
    return lambda value: all(test(value) for test in tests)


# Ranges of texts (ISO days and instants are texts in these documents).
_ORDERINGS = {"$gt": operator.gt, "$gte": operator.ge, "$lt": operator.lt, "$lte": operator.le}


def _operator_test(name, argument):
    """A test for one operator of a spec: ``{"$in": [texts]}``, ``{"$ne": text}``, or a
    comparison with a text (``$gt``, ``$gte``, ``$lt``, ``$lte``); None for any other."""
    if name == "$in" and type(argument) in (list, tuple) and all(type(v) is str for v in argument):
        wanted = frozenset(argument)
        return lambda value: (value in wanted if type(value) is str
                              else type(value) is list and _any_of(wanted, value))
    if name == "$ne" and type(argument) is str:
        equal = _value_test(argument)
        return lambda value: not equal(value)
    compare = _ORDERINGS.get(name)
    if compare is not None and type(argument) is str:
        # A text compares only with a text (MongoDB's type bracketing), an array by its elements:
        # each operator of a range may hold for a different element, as MongoDB has it.
        return lambda value: (compare(value, argument) if type(value) is str else type(value) is list
                              and any(type(v) is str and compare(v, argument) for v in value))
    return None


def _plain_tests(condition, tests):
    """``tests`` extended with a (field, test of its value) for each part of ``condition``; False
    when a part is not one ``_value_test`` knows (nor ``$and`` of such conditions)."""
    if type(condition) is not dict:
        return False
    for key, spec in condition.items():
        if key == "$and":
            if type(spec) is not list or not spec or not all(_plain_tests(part, tests) for part in spec):
                return False
        elif key.startswith("$") or "." in key:
            return False
        else:
            test = _value_test(spec)
            if test is None:
                return False
            tests.append((key, test))
    return True


def _plain_test(condition):
    """``condition`` as a Python test of a document, when it is made only of top-level fields
    tested by ``_value_test`` and ``$and`` of such conditions; None otherwise (the store's own
    filter decides then)."""
    tests = []
    if not _plain_tests(condition, tests):
        return None

    def test(document):
        for key, value_test in tests:
            if not value_test(document.get(key, _MISSING)):
                return False
        return True
    return test


def _in_order(documents, sort):
    """``documents`` ordered as MongoDB orders them by ``sort`` ([(field, 1 or -1), ...]): missing
    values first when ascending, last when descending."""
    documents = list(documents)
    for field, direction in reversed(sort):  # stable sorts, the least significant key first
        documents.sort(key=lambda d: (d.get(field) is not None, d.get(field) if d.get(field) is not None else ""),
                       reverse=direction < 0)
    return documents


def sorted_ids(collection, condition, sort):
    """The ids of every document matching ``condition``, in the order ``sort``.

    The embedded store's cursors project every match before they sort or skip; there the sort
    fields of the matches are read once and ordered here instead.
    """
    if not is_embedded(collection):
        return [document["_id"] for document in collection.find(condition, {"_id": 1}).sort(sort)]
    fields = {"_id", *(field for field, _ in sort)}
    return [document["_id"] for document in _in_order(read_documents(collection, condition, fields), sort)]


def find_by_ids(collection, ids, condition, projection):
    """The documents of ``ids`` that still match ``condition``, in the order given."""
    if not ids:
        return []
    found = {document["_id"]: document for document in
             collection.find({"_id": {"$in": list(ids)}, **condition}, projection)}
    return [found[document_id] for document_id in ids if document_id in found]


def find_page(collection, condition, sort, limit, offset, projection):
    """``(total, the page of documents)`` matching ``condition`` in the order ``sort``: MongoDB
    counts and pages on the server; the embedded store orders the matching ids once, then reads
    only the page's documents whole (a count there would be a second pass)."""
    if not is_embedded(collection):
        cursor = collection.find(condition, projection).sort(sort).skip(offset).limit(limit)
        return collection.count_documents(condition), list(cursor)
    ordered = sorted_ids(collection, condition, sort)
    return len(ordered), find_by_ids(collection, ordered[offset:offset + limit], condition, projection)


def update_one(collection, condition, update):
    """``update`` applied to the document matching ``condition``, which names its ``_id``;
    whether one matched (``collection.update_one(...).matched_count == 1``).

    On the embedded store mongomock copies the whole document it changes, walks the update for
    datetimes and compares the document before and after whole: some 0.5 ms for a rating of
    thirteen items. An update of top-level fields only (``_top_level_update``) is applied here
    instead, to the document as the store decoded it, then passed through BSON once, as the
    store keeps it (datetimes in UTC to the millisecond, as mongomock makes them), and stored and
    indexed by the store as mongomock's own write does, unique indexes checked the same way.
    """
    store = getattr(collection, "_store", None) if is_embedded(collection) else None
    change = _top_level_update(update) if isinstance(store, sqlite_store.CollectionStore) else None
    if change is None or type(condition.get("_id")) is not str:
        return collection.update_one(condition, update).matched_count == 1
    current = _stored(store, condition["_id"])
    if current is None or not filter_applies(condition, current):
        return False
    changed = change(current)
    if changed is None:  # not applicable to the document as it stands: the engine says why
        return collection.update_one(condition, update).matched_count == 1
    if changed == current:
        return True
    codec = store._codec_options
    changed = bson.decode(bson.encode(changed, codec_options=codec), codec_options=codec)
    store[current["_id"]] = changed
    try:
        collection._ensure_uniques(changed)
    except BaseException:
        store[current["_id"]] = current
        raise
    return True


_UPDATES = ("$set", "$unset", "$inc", "$push")


def _top_level_update(update):
    """``update`` as a function of the document it changes, returning the changed copy (None if
    it cannot apply: a ``$inc`` of a text, a ``$push`` to no array), when ``update`` sets, unsets,
    increments (by a number) or pushes to (a value, or ``{"$each": [...]}``) top-level fields
    other than ``_id``, each field once; None for any other update (the engine's own then applies
    it, or says why not)."""
    if (type(update) is not dict or not update or not set(update) <= set(_UPDATES)
            or any(type(arguments) is not dict or not arguments for arguments in update.values())):
        return None
    fields = [field for arguments in update.values() for field in arguments]
    if len(fields) != len(set(fields)) or any(
            type(field) is not str or field == "_id" or field[:1] == "$" or "." in field for field in fields):
        return None
    increments = update.get("$inc", {})
    if any(type(amount) not in (int, float) for amount in increments.values()):
        return None
    pushes = {}
    for field, value in update.get("$push", {}).items():
        if type(value) is dict and any(key[:1] == "$" for key in value):
            if list(value) != ["$each"] or type(value["$each"]) is not list:
                return None
            pushes[field] = value["$each"]
        else:
            pushes[field] = [value]
    sets, unsets = update.get("$set", {}), update.get("$unset", {})

    def change(document):
        changed = {**document, **sets}
        for field in unsets:
            changed.pop(field, None)
        for field, amount in increments.items():
            held = changed.get(field, 0)
            if type(held) not in (int, float):
                return None
            changed[field] = held + amount
        for field, values in pushes.items():
            held = changed.get(field, [])
            if type(held) is not list:
                return None
            changed[field] = [*held, *values]
        return changed
    return change


class _EmbeddedStores:
    """The embedded stores open in this process, one handle and one lock per directory, shared by
    every container of the service in the process (instances scaled out as several containers
    in one process see one store, as instances of a MongoDB deployment see one database)."""

    def __init__(self):
        self._open = {}  # directory -> [database, lock, users]

    def acquire(self, config, name):
        directory = store_directory(config, name)
        held = self._open.get(directory)
        if held is None:
            lock = lock_store(directory)
            held = self._open[directory] = [open_database(config, name), lock, 0]
        held[2] += 1
        return directory, held[0]

    def release(self, directory):
        held = self._open.get(directory)
        if held is None:
            return
        held[2] -= 1
        if held[2] <= 0:
            # Another container of the service in this process (a test's restart) may then take it.
            held[1].close()
            del self._open[directory]


_EMBEDDED = _EmbeddedStores()


class Database(SharedExtension):
    """The service's one database handle in this container, shared by everything that stores.

    Opened on first use, whichever extension is set up first: the repository, the parked
    messages and any other store of the service all go through this one handle. An embedded
    store is held by one process at a time; containers of the same service in that process share
    its handle.
    """

    def __init__(self):
        self._database = None
        self._directory = None

    @property
    def database(self):
        if self._database is None:
            config, name = self.container.config, self.container.service_name
            if embedded(config):
                self._directory, self._database = _EMBEDDED.acquire(config, name)
            else:
                self._database = open_database(config, name)
        return self._database

    def _unlock(self):
        if self._directory is not None:
            _EMBEDDED.release(self._directory)
            self._directory = None
            self._database = None

    def stop(self):
        self._unlock()

    def kill(self):
        self._unlock()


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
        # The repository's indexes in memory are built and live as long as the process.
        freeze_start_up()
        self.container.spawn_managed_thread(self.relay.run, identifier="outbox_relay")

    def stop(self):
        self.relay.stop()

    def kill(self):
        self.relay.stop()

    def get_dependency(self, worker_ctx):
        return self.repository
