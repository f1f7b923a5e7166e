"""Transactional outbox: events ride in the same document update as the change they report.

A document that has something to announce carries ``outbox``, a list of entries, and
``outbox_due_at``: 0 when something is due now, else the time its earliest deferred entry is due
again; absent when there is nothing to send. An entry keeps its event envelope serialised once, as
it will be sent, beside the few fields the relay routes and matches by: a document store copies a
string far more cheaply than the nested envelope, on every write of the document until the relay
has sent it. The relay publishes pending entries with publisher confirms and ``mandatory``
routing, then takes them out of the document. A crash anywhere in between leaves the entry in the
document, and the next relay pass sends it again: delivery is at least once and every consumer
deduplicates by ``event_id``.

An entry the broker returns as unroutable (no queue bound for its type) is tried again with
backoff, up to ``max_unroutable_attempts`` times (about a quarter of an hour with the default),
then dropped with a log line: the topology step declares every consumer's queue before anything
publishes, so an event still unroutable by then is one nobody subscribes to, and nobody can miss
it. Keeping it would grow the document by one entry per change for ever. Any other failure (a
nack, a lost connection) never drops an entry.
"""
import json
import logging
import math
import threading
import time
from collections import OrderedDict, deque

import amqp
from kombu import Connection

from common.topology import event_exchange_name

log = logging.getLogger(__name__)

OUTBOX = "outbox"
DUE = "outbox_due_at"
DUE_NOW = 0
REPORT_INTERVAL = 60.0
UNROUTABLE = "unroutable"
MAX_UNROUTABLE_ATTEMPTS = 10
# Entries handed over by writers and not yet sent, and ids of entries sent, kept at most.
WRITTEN_BACKLOG = 4096


def outbox_entries(envelopes):
    """``envelopes`` as an outbox keeps them, ready to be written and sent."""
    return [{"event_id": envelope["event_id"], "event_type": envelope["event_type"],
             "correlation_id": envelope.get("correlation_id") or envelope["event_id"],
             "body": json.dumps(envelope, ensure_ascii=False)} for envelope in envelopes]


def envelope_of(entry):
    """The event envelope an outbox entry holds."""
    return json.loads(entry["body"])


def with_outbox(update, entries):
    """``update`` (a MongoDB update document) extended to store ``entries`` in the same write."""
    combined = {operator: dict(arguments) for operator, arguments in update.items()}
    combined.setdefault("$push", {})[OUTBOX] = {"$each": list(entries)}
    combined.setdefault("$set", {})[DUE] = DUE_NOW
    return combined


def new_with_outbox(document, entries):
    """A document to insert, carrying ``entries`` in its outbox."""
    return {**document, OUTBOX: list(entries), DUE: DUE_NOW}


def index_outbox(collection):
    collection.create_index(DUE, sparse=True)


def retry_delay(attempts):
    """Seconds before an entry that could not be published is tried again."""
    return min(300.0, 0.5 * 2 ** attempts)


class PublishFailed(Exception):
    pass


class ConfirmedPublisher:
    """Publishes a batch of entries with many confirms in flight, ``mandatory`` set.

    nameko's EventDispatcher waits for one confirm per message; keeping up to a whole batch in
    flight is what lets the relay approach the broker's own rate.
    """

    def __init__(self, amqp_uri, source, confirm_timeout=10.0):
        self.amqp_uri = amqp_uri
        self.exchange = event_exchange_name(source)
        self.confirm_timeout = confirm_timeout
        self._kombu = None
        self._channel = None
        self._next_tag = 0

    def _connect(self):
        self._kombu = Connection(self.amqp_uri, connect_timeout=5)
        self._kombu.connect()
        self._channel = self._kombu.connection.channel()
        self._channel.exchange_declare(self.exchange, "topic", durable=True, auto_delete=False)
        self._channel.confirm_select()
        self._next_tag = 0

    def close(self):
        if self._kombu is not None:
            try:
                self._kombu.release()
            except Exception:  # closing a connection that already broke
                pass
        self._kombu = self._channel = None

    def publish(self, entries):
        """Publish outbox entries; returns ``(confirmed_ids, failures)``, failures being
        ``{event_id: reason}``."""
        if self._channel is None:
            self._connect()
        waiting = {}  # delivery tag -> event id
        failures = {}
        confirmed = []

        def on_ack(delivery_tag, multiple):
            for tag in [t for t in waiting if t == delivery_tag or (multiple and t < delivery_tag)]:
                event_id = waiting.pop(tag)
                if event_id not in failures:
                    confirmed.append(event_id)

        def on_nack(delivery_tag, multiple):
            for tag in [t for t in waiting if t == delivery_tag or (multiple and t < delivery_tag)]:
                failures[waiting.pop(tag)] = "rejected by the broker"

        def on_return(exc, exchange, routing_key, message):
            # A return always precedes the ack of the same message.
            failures[message.properties.get("message_id")] = f"{UNROUTABLE}: no queue bound for {routing_key}"

        channel = self._channel
        channel.events["basic_ack"].add(on_ack)
        channel.events["basic_nack"].add(on_nack)
        channel.events["basic_return"].add(on_return)
        try:
            for entry in entries:
                message = amqp.Message(entry["body"], content_type="application/json",
                                       content_encoding="utf-8", delivery_mode=2,
                                       message_id=entry["event_id"],
                                       correlation_id=entry["correlation_id"])
                channel.basic_publish(message, exchange=self.exchange,
                                      routing_key=entry["event_type"], mandatory=True)
                self._next_tag += 1
                waiting[self._next_tag] = entry["event_id"]
            deadline = time.monotonic() + self.confirm_timeout
            while waiting:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PublishFailed(f"{len(waiting)} confirms did not arrive in time")
                self._kombu.connection.drain_events(timeout=remaining)
        except Exception:
            # Unconfirmed entries stay in the outbox and go again on a fresh connection.
            self.close()
            raise
        finally:
            channel.events["basic_ack"].discard(on_ack)
            channel.events["basic_nack"].discard(on_nack)
            channel.events["basic_return"].discard(on_return)
        return confirmed, failures


class OutboxRelay:
    """Moves pending entries from a service's documents to the broker.

    Runs as one managed thread per service process. A writer hands it the entries it has just
    stored (``written``), which wakes it and spares it reading them back; besides, it scans for due
    outboxes every ``poll_interval``, so that what a crash left behind, what another process wrote
    and what was deferred are sent too.
    """

    def __init__(self, amqp_uri, source, collections, batch_size=256, poll_interval=1.0,
                 enabled=True, max_unroutable_attempts=MAX_UNROUTABLE_ATTEMPTS):
        self.publisher = ConfirmedPublisher(amqp_uri, source)
        self.max_unroutable_attempts = max_unroutable_attempts
        self.collections = list(collections)
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.enabled = enabled
        self._wakeup = threading.Event()
        self._running = False
        self._failures_in_a_row = 0
        self._deferred_due = 0.0  # when a deferred entry is next due; 0: look at once
        self._reported = {}  # reason -> (when last logged, events not logged since)
        # Bounded: what falls off (a long broker outage) is still in its document for the scan.
        self._written = deque(maxlen=WRITTEN_BACKLOG)
        self._scanned_at = -math.inf
        self._sent_recently = OrderedDict()  # event ids, oldest first

    def written(self, collection, document_id, entries):
        """A writer stored ``entries`` in the outbox of ``document_id``: send them soon."""
        self._written.append((collection, document_id, list(entries)))
        self._wakeup.set()

    def stop(self):
        self._running = False
        self._wakeup.set()

    def run(self):
        self._running = self.enabled
        while self._running:
            try:
                while self._running and self.relay_pending():
                    pass
                self._failures_in_a_row = 0
                timeout = self._until_next_scan()
            except Exception as error:
                self._failures_in_a_row += 1
                timeout = retry_delay(self._failures_in_a_row)
                log.warning("outbox relay: %s; trying again in %.1fs", error, timeout)
            self._wakeup.wait(timeout)
            self._wakeup.clear()
        self.publisher.close()

    def _until_next_scan(self):
        return max(0.0, self._scanned_at + self.poll_interval - time.monotonic())

    def relay_pending(self):
        """Publish one batch of due entries; returns how many were confirmed."""
        if self._until_next_scan() == 0:
            self._scanned_at = time.monotonic()
            documents, batch = self._collect()
        else:
            documents, batch = self._take_written()
        if not batch:
            return 0
        confirmed, failures = self.publisher.publish([entry for _, entry in batch])
        confirmed = set(confirmed)
        self._remember_sent(confirmed)
        now = time.time()
        for collection in {id(c): c for c, _ in documents}.values():
            mine = [document for c, document in documents if c is collection]
            done = [all(e["event_id"] in confirmed for e in document[OUTBOX]) for document in mine]
            all_sent = [document for document, d in zip(mine, done) if d]
            partly_sent = [document for document, d in zip(mine, done) if not d]
            # The usual case: everything went, and one write empties every outbox.
            for document in partly_sent + self._empty(collection, all_sent):
                self._settle_partly_sent(collection, document, confirmed, failures, now)
        if failures:
            self._report(failures, now)
        return len(confirmed)

    def _take_written(self):
        """(documents, their entries) handed over by writers: at most about a batch. A document
        here holds only the entries the relay was told of; its stored outbox may hold more."""
        documents = {}
        count = 0
        while self._written and count < self.batch_size:
            collection, document_id, entries = self._written.popleft()
            # A scan may have sent them already.
            entries = [e for e in entries if e["event_id"] not in self._sent_recently]
            if entries:
                key = (id(collection), document_id)
                documents.setdefault(key, (collection, {"_id": document_id, OUTBOX: []}))
                documents[key][1][OUTBOX].extend(entries)
                count += len(entries)
        documents = list(documents.values())
        return documents, [(c, e) for c, document in documents for e in document[OUTBOX]]

    def _remember_sent(self, event_ids):
        for event_id in event_ids:
            self._sent_recently[event_id] = None
        while len(self._sent_recently) > WRITTEN_BACKLOG:
            self._sent_recently.popitem(last=False)

    def _report(self, failures, now):
        """Log why events were not published, each reason at most once a minute: an event type
        nobody subscribes to yet stays unroutable for as long as that lasts."""
        for reason in sorted(set(failures.values())):
            count = sum(1 for r in failures.values() if r == reason)
            logged_at, suppressed = self._reported.get(reason, (0.0, 0))
            if now - logged_at >= REPORT_INTERVAL:
                log.warning("outbox relay: %d events not published: %s (%d more since the last "
                            "report); each is tried again later", count, reason, suppressed)
                self._reported[reason] = (now, 0)
            else:
                self._reported[reason] = (logged_at, suppressed + count)

    def _collect(self):
        """(documents with something due, their due entries): at most about a batch.

        Documents whose entries are all deferred are read only once the earliest of them is
        due, so a backlog nobody can take (no queue bound yet) costs nothing between retries.
        """
        now = time.time()
        include_deferred = now >= self._deferred_due
        next_due = math.inf
        documents, batch = [], []
        for collection in self.collections:
            query = {DUE: {"$exists": True}} if include_deferred else {DUE: DUE_NOW}
            for document in collection.find(query, {OUTBOX: 1, DUE: 1}):
                outbox = document.get(OUTBOX, [])
                due = [e for e in outbox if e.get("retry_at", 0) <= now]
                next_due = min([next_due] + [e["retry_at"] for e in outbox if e.get("retry_at", 0) > now])
                if due:
                    documents.append((collection, document))
                    batch.extend((collection, entry) for entry in due)
                elif document.get(DUE) == DUE_NOW:
                    # Marked due, yet nothing in it is: its entries were sent by a relay that
                    # knew of only some of them. Record when it is really due.
                    self._settle(collection, document["_id"], outbox)
                if len(batch) >= self.batch_size:
                    # Not everything was seen: look at deferred documents again next pass.
                    self._deferred_due = now if include_deferred else self._deferred_due
                    return documents, batch
        if include_deferred:
            self._deferred_due = next_due
        return documents, batch

    def _settle_partly_sent(self, collection, document, confirmed, failures, now):
        """Take what was sent out of the document's outbox, defer what failed, and record when the
        rest is due."""
        sent = [e["event_id"] for e in document[OUTBOX] if e["event_id"] in confirmed]
        if sent:
            collection.update_one({"_id": document["_id"]},
                                  {"$pull": {OUTBOX: {"event_id": {"$in": sent}}}})
        remaining = []
        for entry in document[OUTBOX]:
            reason = failures.get(entry["event_id"])
            if reason is not None and self._nobody_subscribes(entry, reason):
                self._drop(collection, document["_id"], entry, reason, now)
                continue
            if reason is not None:
                entry = self._defer(collection, document["_id"], entry, reason, now)
            if entry["event_id"] not in confirmed:
                remaining.append(entry)
        self._settle(collection, document["_id"], remaining)

    def _nobody_subscribes(self, entry, reason):
        """Unroutable on its last allowed attempt."""
        return (reason.startswith(UNROUTABLE)
                and entry.get("attempts", 0) + 1 >= self.max_unroutable_attempts)

    def _drop(self, collection, document_id, entry, reason, now):
        collection.update_one({"_id": document_id},
                              {"$pull": {OUTBOX: {"event_id": entry["event_id"]}}})
        self._report({entry["event_id"]: f"dropped {entry['event_type']} after "
                      f"{self.max_unroutable_attempts} attempts, nobody subscribes ({reason})"}, now)

    def _defer(self, collection, document_id, entry, reason, now):
        attempts = entry.get("attempts", 0) + 1
        retry_at = now + retry_delay(attempts)
        collection.update_one(
            {"_id": document_id, "outbox.event_id": entry["event_id"]},
            {"$set": {"outbox.$.retry_at": retry_at, "outbox.$.attempts": attempts,
                      "outbox.$.last_error": reason}})
        self._deferred_due = min(self._deferred_due, retry_at)
        return {**entry, "retry_at": retry_at, "attempts": attempts, "last_error": reason}

    @staticmethod
    def _empty(collection, documents):
        """Empty, in one write, the outboxes of ``documents``, all of whose entries were sent.

        The condition is that every entry still stored was sent: a writer may have added one
        since, and another relay of the same service may have removed some. Returns the documents
        that condition kept from being emptied, read afresh.
        """
        if not documents:
            return []
        ids = [document["_id"] for document in documents]
        sent = [entry["event_id"] for document in documents for entry in document[OUTBOX]]
        changed = collection.update_many(
            {"_id": {"$in": ids}, OUTBOX: {"$not": {"$elemMatch": {"event_id": {"$nin": sent}}}}},
            {"$set": {OUTBOX: []}, "$unset": {DUE: ""}})
        if changed.matched_count == len(ids):
            return []
        return list(collection.find({"_id": {"$in": ids}, DUE: {"$exists": True}}, {OUTBOX: 1}))

    @staticmethod
    def _settle(collection, document_id, remaining):
        """Record when the document is next due, unless a writer added to its outbox meanwhile
        (then its size differs and the writer's ``due now`` stands)."""
        condition = {"_id": document_id, OUTBOX: {"$size": len(remaining)}}
        if not remaining:
            collection.update_one(condition, {"$unset": {DUE: ""}})
        else:
            due = min(e.get("retry_at", DUE_NOW) for e in remaining)
            if due > DUE_NOW:
                collection.update_one(condition, {"$set": {DUE: due}})
