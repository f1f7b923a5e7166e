"""Transactional outbox: events ride in the same document update as the change they report.

A document that has something to announce carries ``outbox`` (a list of event envelopes) and the
flag ``outbox_pending``. The relay publishes pending envelopes with publisher confirms and
``mandatory`` routing, then pulls them out of the document. A crash anywhere in between leaves
the envelope in the document, and the next relay pass sends it again: delivery is at least once
and every consumer deduplicates by ``event_id``.
"""
import json
import logging
import threading
import time

import amqp
from kombu import Connection

from common.topology import event_exchange_name

log = logging.getLogger(__name__)

OUTBOX = "outbox"
PENDING = "outbox_pending"
# Bookkeeping the relay keeps on an envelope it could not publish; never sent.
RELAY_FIELDS = ("retry_at", "attempts", "last_error")


def with_outbox(update, *events):
    """``update`` (a MongoDB update document) extended to store ``events`` in the same write."""
    combined = {operator: dict(arguments) for operator, arguments in update.items()}
    combined.setdefault("$push", {})[OUTBOX] = {"$each": list(events)}
    combined.setdefault("$set", {})[PENDING] = True
    return combined


def new_with_outbox(document, *events):
    """A document to insert, carrying ``events`` in its outbox."""
    return {**document, OUTBOX: list(events), PENDING: True}


def index_outbox(collection):
    collection.create_index(PENDING, sparse=True)


def retry_delay(attempts):
    """Seconds before an envelope that could not be published is tried again."""
    return min(60.0, 0.5 * 2 ** attempts)


class PublishFailed(Exception):
    pass


class ConfirmedPublisher:
    """Publishes a batch of envelopes with many confirms in flight, ``mandatory`` set.

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

    def publish(self, envelopes):
        """Returns ``(confirmed_ids, failures)``, failures being ``{event_id: reason}``."""
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
            failures[message.properties.get("message_id")] = f"unroutable: no queue bound for {routing_key}"

        channel = self._channel
        channel.events["basic_ack"].add(on_ack)
        channel.events["basic_nack"].add(on_nack)
        channel.events["basic_return"].add(on_return)
        try:
            for envelope in envelopes:
                message = amqp.Message(
                    json.dumps(envelope, ensure_ascii=False),
                    content_type="application/json",
                    content_encoding="utf-8",
                    delivery_mode=2,
                    message_id=envelope["event_id"],
                    correlation_id=envelope.get("correlation_id") or envelope["event_id"],
                )
                channel.basic_publish(message, exchange=self.exchange,
                                      routing_key=envelope["event_type"], mandatory=True)
                self._next_tag += 1
                waiting[self._next_tag] = envelope["event_id"]
            deadline = time.monotonic() + self.confirm_timeout
            while waiting:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PublishFailed(f"{len(waiting)} confirms did not arrive in time")
                self._kombu.connection.drain_events(timeout=remaining)
        except Exception:
            # Unconfirmed envelopes stay in the outbox and go again on a fresh connection.
            self.close()
            raise
        finally:
            channel.events["basic_ack"].discard(on_ack)
            channel.events["basic_nack"].discard(on_nack)
            channel.events["basic_return"].discard(on_return)
        return confirmed, failures


class OutboxRelay:
    """Moves pending envelopes from a service's documents to the broker.

    Runs as one managed thread per service process, woken by every write that fills an outbox
    and polling besides, so that envelopes left behind by a crash are sent after a restart.
    """

    def __init__(self, amqp_uri, source, collections, batch_size=256, poll_interval=1.0,
                 enabled=True):
        self.publisher = ConfirmedPublisher(amqp_uri, source)
        self.collections = list(collections)
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.enabled = enabled
        self._wakeup = threading.Event()
        self._running = False
        self._failures_in_a_row = 0

    def wake(self):
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
                timeout = self.poll_interval
            except Exception as error:
                self._failures_in_a_row += 1
                timeout = retry_delay(self._failures_in_a_row)
                log.warning("outbox relay: %s; trying again in %.1fs", error, timeout)
            self._wakeup.wait(timeout)
            self._wakeup.clear()
        self.publisher.close()

    def relay_pending(self):
        """Publish one batch of pending envelopes; returns how many were confirmed."""
        batch = self._collect()
        if not batch:
            return 0
        confirmed, failures = self.publisher.publish(
            [{k: v for k, v in envelope.items() if k not in RELAY_FIELDS} for _, _, envelope in batch]
        )
        confirmed = set(confirmed)
        by_document = {}
        for collection, document_id, envelope in batch:
            by_document.setdefault((collection.name, document_id), (collection, []))[1].append(envelope)
        for (_, document_id), (collection, envelopes) in by_document.items():
            sent = [e["event_id"] for e in envelopes if e["event_id"] in confirmed]
            if sent:
                collection.update_one({"_id": document_id},
                                      {"$pull": {OUTBOX: {"event_id": {"$in": sent}}}})
            for envelope in envelopes:
                reason = failures.get(envelope["event_id"])
                if reason:
                    self._defer(collection, document_id, envelope, reason)
            # The flag goes only if nothing new arrived meanwhile.
            collection.update_one({"_id": document_id, OUTBOX: {"$size": 0}},
                                  {"$unset": {PENDING: ""}})
        return len(confirmed)

    def _collect(self):
        now = time.time()
        batch = []
        for collection in self.collections:
            for document in collection.find({PENDING: True}, {OUTBOX: 1}):
                for envelope in document.get(OUTBOX, []):
                    if envelope.get("retry_at", 0) <= now:
                        batch.append((collection, document["_id"], envelope))
                if len(batch) >= self.batch_size:
                    return batch
        return batch

    def _defer(self, collection, document_id, envelope, reason):
        attempts = envelope.get("attempts", 0) + 1
        log.error("outbox relay: event %s (%s) not published: %s; attempt %d, next in %.0fs",
                  envelope["event_id"], envelope["event_type"], reason, attempts,
                  retry_delay(attempts))
        collection.update_one(
            {"_id": document_id, "outbox.event_id": envelope["event_id"]},
            {"$set": {"outbox.$.retry_at": time.time() + retry_delay(attempts),
                      "outbox.$.attempts": attempts, "outbox.$.last_error": reason}},
        )
