"""Consuming events so that a failing handler never loses or hot-loops a message.

nameko acks a message whose handler raised (dropping it), or with ``requeue_on_error`` hands it
straight back, forever. ``reliable_event_handler`` does neither:

- a handler that raises has its message republished to a delay queue of its own
  (``<queue>--retry-<ms>``), which dead-letters it back onto the handler's queue once the delay
  has passed; each retry waits longer (``EVENT_RETRY_DELAYS``, seconds);
- after the last retry, or at once for a message that is not an event envelope at all, the message
  is parked in the consuming service's own database with its error, where an operator can list
  it and replay it (``Parking``; ``python -m cli parked``; the gateway's admin routes);
- the original is acked only after the retry or the parking is safely stored; if even that fails,
  it is left unacked and the broker redelivers it.

Delivery stays at least once, so handlers must be idempotent: record the event's effect in the
same document write as its id or version, or rely on a unique index.
"""
import datetime
import logging
import traceback
import uuid
from functools import partial

import eventlet
from kombu import Queue
from marshmallow import ValidationError
from nameko.amqp.publish import Publisher
from nameko.events import SERVICE_POOL, EventHandler
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import DependencyProvider, SharedExtension

from common.events import parse_event
from common.storage import Database
from common.topology import BROKER_ERRORS

log = logging.getLogger(__name__)

DEFAULT_RETRY_DELAYS = (1, 5, 30, 120, 600)
UNSTORABLE_PAUSE = 5
ATTEMPTS_HEADER = "x-jiangxin-attempts"
PARKED = "parked_messages"


def retry_queue_name(queue_name, delay):
    return f"{queue_name}--retry-{int(round(delay * 1000))}ms"


def retry_queue(queue_name, delay):
    """A queue nobody consumes: its messages wait ``delay`` and then return to ``queue_name``."""
    return Queue(retry_queue_name(queue_name, delay), durable=True, queue_arguments={
        "x-message-ttl": int(round(delay * 1000)),
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": queue_name,
    })


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


class ParkedMessages:
    """Where a service's messages go when handling them keeps failing, and how they come back."""

    def __init__(self, database, amqp_uri):
        self.parked = database[PARKED]
        self.parked.create_index("parked_at")
        self.publisher = Publisher(amqp_uri)

    def park(self, queue_name, body, error, attempts):
        document = {
            "_id": str(uuid.uuid4()), "queue": queue_name, "body": body, "error": error,
            "attempts": attempts, "parked_at": _now(),
            "event_id": body.get("event_id") if isinstance(body, dict) else None,
            "event_type": body.get("event_type") if isinstance(body, dict) else None,
        }
        self.parked.insert_one(document)
        log.error("parked %s from %s after %d attempts: %s", document["event_id"] or "a message",
                  queue_name, attempts, error.splitlines()[-1] if error else "")
        return document

    def list(self, limit=50, offset=0):
        cursor = self.parked.find({}).sort([("parked_at", 1), ("_id", 1)]).skip(offset).limit(limit)
        return {"total": self.parked.count_documents({}), "parked": list(cursor)}

    def replay(self, parked_id=None):
        """Put parked messages back on their queues, with fresh attempts; returns how many."""
        query = {"_id": parked_id} if parked_id else {}
        replayed = 0
        for document in list(self.parked.find(query)):
            # Published (and confirmed) before it is removed: a crash in between replays it twice,
            # which idempotent handlers absorb, rather than losing it.
            self.publisher.publish(document["body"], exchange="", routing_key=document["queue"],
                                   mandatory=True)
            self.parked.delete_one({"_id": document["_id"]})
            replayed += 1
        return replayed


class ParkingLot(SharedExtension):
    """One service's ParkedMessages, shared by its handlers and its Parking dependency."""

    database = Database()

    def setup(self):
        self.messages = ParkedMessages(self.database.database, self.container.config["AMQP_URI"])


class Parking(DependencyProvider):
    """Gives workers the service's parked messages: ``list(limit, offset)`` and ``replay(id)``."""

    lot = ParkingLot()

    def get_dependency(self, worker_ctx):
        return self.lot.messages


class ReliableEventHandler(EventHandler):
    lot = ParkingLot()

    def __init__(self, source_service, event_type, **kwargs):
        super().__init__(source_service, event_type, handler_type=SERVICE_POOL,
                         reliable_delivery=True, requeue_on_error=False, **kwargs)

    def setup(self):
        super().setup()
        config = self.container.config
        self.delays = tuple(config.get("EVENT_RETRY_DELAYS") or DEFAULT_RETRY_DELAYS)
        self.publisher = Publisher(config["AMQP_URI"])

    def handle_message(self, body, message):
        attempts = (message.headers or {}).get(ATTEMPTS_HEADER, 0)
        try:
            envelope = parse_event(body)
        except ValidationError as error:
            self._settle_failure(message, body, f"not an event envelope: {error.messages}",
                                 attempts + 1, retryable=False)
            return
        handle_result = partial(self.handle_result, message, body, attempts + 1)
        try:
            self.container.spawn_worker(self, (envelope,), {},
                                        context_data=self.unpack_message_headers(message),
                                        handle_result=handle_result)
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)

    def _ack(self, message):
        # With the broker gone the ack cannot be sent, and need not be: the message was never
        # acked, so the broker delivers it again once this consumer reconnects.
        try:
            self.queue_consumer.ack_message(message)
        except (*BROKER_ERRORS, OSError) as error:
            log.warning("%s: could not ack (%r); the broker will deliver it again", self.queue.name,
                        error)

    def handle_result(self, message, body, attempts, worker_ctx, result=None, exc_info=None):
        if exc_info is None:
            self._ack(message)
        else:
            error = "".join(traceback.format_exception(*exc_info)[-3:])
            self._settle_failure(message, body, error, attempts, retryable=True)
        return result, exc_info

    def _settle_failure(self, message, body, error, attempts, retryable):
        queue_name = self.queue.name
        try:
            if retryable and attempts <= len(self.delays):
                delay = self.delays[attempts - 1]
                log.warning("%s failed (attempt %d), retrying in %ss: %s", queue_name, attempts,
                            delay, error.strip().splitlines()[-1])
                self.publisher.publish(body, exchange="", routing_key=retry_queue_name(queue_name, delay),
                                       declare=[retry_queue(queue_name, delay)], mandatory=True,
                                       headers={**(message.headers or {}), ATTEMPTS_HEADER: attempts})
            else:
                self.lot.messages.park(queue_name, body, error, attempts)
        except Exception:
            # Neither retry nor parking could be stored: hand the message back to the broker,
            # after a pause so that a lasting failure is not a hot loop, rather than lose it.
            log.exception("could not retry or park a message from %s; returning it in %ss",
                          queue_name, UNSTORABLE_PAUSE)
            eventlet.sleep(UNSTORABLE_PAUSE)
            try:
                self.queue_consumer.requeue_message(message)
            except (*BROKER_ERRORS, OSError):
                pass  # a closed channel gives its unacked messages back by itself
            return
        self._ack(message)


reliable_event_handler = ReliableEventHandler.decorator
