"""Consuming events so that a failing handler never loses or hot-loops a message.

nameko acks a message whose handler raised (dropping it), or with ``requeue_on_error`` hands it
straight back, forever. ``reliable_event_handler`` does neither:

- whatever a message holds never kills the consumer nor bypasses it: a body kombu cannot decode
  (invalid JSON, a content type the service does not accept), one larger than
  ``EVENT_MAX_BYTES``, a retry count that is no integer, headers nameko cannot take: each is
  parked at once (an odd retry count counts as 0), with its raw body where it has no decoded one;
- a handler that raises has its message republished to a delay queue of its own
  (``<queue>--retry-<ms>``), which dead-letters it back onto the handler's queue once the delay
  has passed; each retry waits longer (``EVENT_RETRY_DELAYS``, seconds);
- after the last retry, or at once for a message that is not an event envelope at all, the message
  is parked in the consuming service's own database with its error, where an operator can list
  it and replay it (``Parking``; ``python -m cli parked``; the gateway's admin routes);
- a message whose decoded body the store refuses (an integer beyond 64 bits, a NUL in a key) is
  parked as its raw text instead;
- the original is acked only after the retry or the parking is safely stored; if even that fails
  (a full disk), it goes back to the broker after a pause that doubles with each failure in a row,
  up to ``MAX_UNSTORABLE_PAUSE``, and the failure is logged at most once a minute.

Delivery stays at least once, so handlers must be idempotent: record the event's effect in the
same document write as its id or version, or rely on a unique index.
"""
import base64
import datetime
import logging
import time
import traceback
import uuid
from functools import partial

import bson.errors
from eventlet.event import Event
from kombu import Queue
from marshmallow import ValidationError
from nameko.amqp.publish import Publisher
from nameko.events import SERVICE_POOL, EventHandler
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import DependencyProvider, SharedExtension
from nameko.messaging import QueueConsumer

from common.events import parse_event
from common.storage import Database
from common.topology import BROKER_ERRORS

log = logging.getLogger(__name__)

DEFAULT_RETRY_DELAYS = (1, 5, 30, 120, 600)
# A message neither retried nor parked goes back to the broker after this (EVENT_UNSTORABLE_PAUSE),
# doubled per failure in a row up to the maximum (seconds); logged at most once per interval.
UNSTORABLE_PAUSE = 5
MAX_UNSTORABLE_PAUSE = 300
UNSTORABLE_REPORT_INTERVAL = 60.0
ATTEMPTS_HEADER = "x-jiangxin-attempts"
PARKED = "parked_messages"
# An envelope larger than this (bytes, as received) is parked unread: EVENT_MAX_BYTES.
DEFAULT_MAX_EVENT_BYTES = 256 * 1024
# A parked raw body keeps at most this many bytes; a longer one is kept cut short (and marked
# so), to be read but not replayed.
MAX_RAW_BYTES = 1024 * 1024
ID_LENGTH = 64
# What a store raises for a document it cannot hold (an integer beyond 64 bits, a NUL or a dollar
# in a key, too large), as opposed to a store that is unavailable.
REFUSED_CONTENT = (bson.errors.InvalidDocument, OverflowError, TypeError, ValueError)


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


def attempts_of(message):
    """How often the message was tried, from its header; anything but a non-negative integer
    (a string, a list, a bool) counts as 0: a retry count is the consumer's own, never a reason
    to fail."""
    headers = message.headers if isinstance(message.headers, dict) else {}
    value = headers.get(ATTEMPTS_HEADER, 0)
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return max(0, value)


def raw_form(message):
    """The message's body as it came, as text a store can always take: ``raw`` (UTF-8 text, or
    base64 of bytes that are not UTF-8), ``raw_encoding``, its content type and encoding, its
    size and whether it was cut short at MAX_RAW_BYTES."""
    raw = message.body if isinstance(message.body, bytes) else str(message.body).encode("utf-8")
    kept = raw[:MAX_RAW_BYTES]
    try:
        text, encoding = kept.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        if len(raw) > MAX_RAW_BYTES and error.start >= len(kept) - 3:
            # Only the cut split a character: the text up to it.
            text, encoding = kept[:error.start].decode("utf-8"), "utf-8"
        else:
            text, encoding = base64.b64encode(kept).decode("ascii"), "base64"
    return {"raw": text, "raw_encoding": encoding, "content_type": message.content_type,
            "content_encoding": message.content_encoding, "size": len(raw),
            "truncated": len(raw) > MAX_RAW_BYTES}


def raw_bytes(document):
    if document["raw_encoding"] == "base64":
        return base64.b64decode(document["raw"])
    return document["raw"].encode("utf-8")


def _short_string(body, key):
    value = body.get(key) if isinstance(body, dict) else None
    return value if isinstance(value, str) and len(value) <= ID_LENGTH else None


class NotReplayable(ValueError):
    """A parked message kept only in part: it can be read, not put back."""


class ParkedMessages:
    """Where a service's messages go when handling them keeps failing, and how they come back.

    A parked document holds the decoded ``body``, or, for a message that has none the store can
    take (not decodable, too large, refused by the store), its ``raw`` form (``raw_form``).
    """

    def __init__(self, database, amqp_uri):
        self.parked = database[PARKED]
        self.parked.create_index("parked_at")
        self.publisher = Publisher(amqp_uri)

    def park(self, queue_name, body, error, attempts, message=None, raw=False):
        """Store the message; ``raw`` (or a decoded body the store refuses) keeps ``message``'s
        raw body instead. Raises only when the store takes nothing at all."""
        document = {
            "_id": str(uuid.uuid4()), "queue": queue_name, "error": error,
            "attempts": attempts, "parked_at": _now(),
            "event_id": _short_string(body, "event_id"),
            "event_type": _short_string(body, "event_type"),
        }
        if raw and message is not None:
            document.update(body=None, **raw_form(message))
            self.parked.insert_one(document)
        else:
            try:
                self.parked.insert_one({**document, "body": body})
            except REFUSED_CONTENT as refused:
                if message is None:
                    raise
                log.warning("parking %s from %s as raw text: the store refused its body (%r)",
                            document["event_id"] or "a message", queue_name, refused)
                document.update(body=None, **raw_form(message))
                self.parked.insert_one(document)
        log.error("parked %s from %s after %d attempts: %s", document["event_id"] or "a message",
                  queue_name, attempts, error.splitlines()[-1] if error else "")
        return document

    def list(self, limit=50, offset=0):
        cursor = self.parked.find({}).sort([("parked_at", 1), ("_id", 1)]).skip(offset).limit(limit)
        return {"total": self.parked.count_documents({}), "limit": limit, "offset": offset,
                "items": list(cursor)}

    def replay(self, parked_id=None):
        """Put parked messages back on their queues as they came, with fresh attempts; returns how
        many. One kept only in part is left parked (NotReplayable when asked for by id)."""
        query = {"_id": parked_id} if parked_id else {}
        replayed = 0
        for document in list(self.parked.find(query)):
            if document.get("truncated"):
                if parked_id:
                    raise NotReplayable(f"only the first {MAX_RAW_BYTES} of its {document['size']} "
                                        "bytes were kept")
                continue
            # Published (and confirmed) before it is removed: a crash in between replays it twice,
            # which idempotent handlers absorb, rather than losing it.
            self._publish(document)
            self.parked.delete_one({"_id": document["_id"]})
            replayed += 1
        return replayed

    def _publish(self, document):
        options = {"exchange": "", "routing_key": document["queue"], "mandatory": True}
        if document.get("raw") is None:
            self.publisher.publish(document["body"], **options)
        else:
            # Bytes with their content type are sent as they are, not serialised again; a message
            # that came without one goes back as opaque bytes.
            self.publisher.publish(raw_bytes(document),
                                   content_type=document["content_type"] or "application/octet-stream",
                                   content_encoding=document["content_encoding"] or "binary",
                                   **options)


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


class ParkingQueueConsumer(QueueConsumer):
    """nameko's QueueConsumer, except that a message kombu cannot decode (invalid JSON, a content
    type the service does not accept) goes to its reliable handler to be parked: kombu's own
    ``on_decode_error`` acks it into oblivion."""

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self._undecodable, provider)
        return consumers

    def _undecodable(self, provider, message, error):
        self.container.spawn_managed_thread(partial(provider.handle_undecodable, message, error),
                                            identifier=f"{type(provider).__name__}.handle_undecodable")


class ReliableEventHandler(EventHandler):
    lot = ParkingLot()
    queue_consumer = ParkingQueueConsumer()

    def __init__(self, source_service, event_type, **kwargs):
        super().__init__(source_service, event_type, handler_type=SERVICE_POOL,
                         reliable_delivery=True, requeue_on_error=False, **kwargs)

    def setup(self):
        super().setup()
        config = self.container.config
        self.delays = tuple(config.get("EVENT_RETRY_DELAYS") or DEFAULT_RETRY_DELAYS)
        self.max_bytes = int(config.get("EVENT_MAX_BYTES") or DEFAULT_MAX_EVENT_BYTES)
        self.unstorable_pause = float(config.get("EVENT_UNSTORABLE_PAUSE") or UNSTORABLE_PAUSE)
        self.publisher = Publisher(config["AMQP_URI"])
        self._stopping = Event()
        self._unsettled = 0  # messages in a row that could be neither retried nor parked
        self._unsettled_reported = (-float("inf"), 0)  # (when last logged, failures since)

    def stop(self):
        if not self._stopping.ready():
            self._stopping.send(True)  # a message held back goes back to the broker now
        super().stop()

    def handle_undecodable(self, message, error):
        self._settle_failure(message, None, f"cannot decode the body: {error!r}",
                             attempts_of(message) + 1, retryable=False, raw=True)

    def handle_message(self, body, message):
        try:
            self._handle_message(body, message)
        except Exception:  # noqa: BLE001 - what a message holds must never kill the consumer
            self._settle_failure(message, None, traceback.format_exc(limit=-3),
                                 attempts_of(message) + 1, retryable=False, raw=True)

    def _handle_message(self, body, message):
        attempts = attempts_of(message)
        size = len(message.body or b"")
        if size > self.max_bytes:
            self._settle_failure(message, None, f"too large: {size} bytes, more than the "
                                 f"{self.max_bytes} of EVENT_MAX_BYTES", attempts + 1,
                                 retryable=False, raw=True)
            return
        try:
            envelope = parse_event(body)
        except ValidationError as error:
            # A body that is not JSON (a trusted raw content type) is kept as it came.
            self._settle_failure(message, body, f"not an event envelope: {error.messages}",
                                 attempts + 1, retryable=False,
                                 raw=message.content_type != "application/json")
            return
        handle_result = partial(self.handle_result, message, body, attempts + 1)
        try:
            self.container.spawn_worker(self, (envelope,), {},
                                        context_data=self._context_data(message),
                                        handle_result=handle_result)
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)

    def _context_data(self, message):
        # nameko's context headers as text only: a call id stack that is no list of strings
        # would fail the worker before it runs.
        context = self.unpack_message_headers(message) if isinstance(message.headers, dict) else {}
        return {key: value for key, value in context.items()
                if isinstance(value, str) or (isinstance(value, list)
                                              and all(isinstance(v, str) for v in value))}

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

    def _settle_failure(self, message, body, error, attempts, retryable, raw=False):
        queue_name = self.queue.name
        try:
            if retryable and attempts <= len(self.delays):
                delay = self.delays[attempts - 1]
                log.warning("%s failed (attempt %d), retrying in %ss: %s", queue_name, attempts,
                            delay, error.strip().splitlines()[-1])
                headers = message.headers if isinstance(message.headers, dict) else {}
                self.publisher.publish(body, exchange="", routing_key=retry_queue_name(queue_name, delay),
                                       declare=[retry_queue(queue_name, delay)], mandatory=True,
                                       headers={**headers, ATTEMPTS_HEADER: attempts})
            else:
                self.lot.messages.park(queue_name, body, error, attempts, message=message, raw=raw)
        except Exception:  # noqa: BLE001 - neither could be stored, for whatever reason
            self._hold_back(message)
            return
        self._unsettled = 0
        self._ack(message)

    def _hold_back(self, message):
        """Hand a message that could be neither retried nor parked back to the broker rather than
        lose it, after a pause that grows while the failure lasts (no hot loop), logging it at
        most once per UNSTORABLE_REPORT_INTERVAL (no endless stream of errors)."""
        self._unsettled += 1
        pause = min(MAX_UNSTORABLE_PAUSE, self.unstorable_pause * 2 ** min(self._unsettled - 1, 16))
        now = time.monotonic()
        logged_at, since = self._unsettled_reported
        if now - logged_at >= UNSTORABLE_REPORT_INTERVAL:
            log.exception("could not retry or park a message from %s (%d more failures since the "
                          "last report); returning it in %ss", self.queue.name, since, pause)
            self._unsettled_reported = (now, 0)
        else:
            self._unsettled_reported = (logged_at, since + 1)
        self._stopping.wait(pause)
        try:
            self.queue_consumer.requeue_message(message)
        except (*BROKER_ERRORS, OSError):
            pass  # a closed channel gives its unacked messages back by itself


reliable_event_handler = ReliableEventHandler.decorator
