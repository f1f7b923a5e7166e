"""What the webhook benchmarks share (bench_notifications_fanout, bench_webhook_latency): the
notifications service as a real process beside the plain client of their ceilings, a store that
already holds the deliveries of a service that has run a while, endpoints on a local receiver
registered and subscribed through RPC as the gateway calls it, events published as the studios
service's relay publishes them, and when the receiver says each webhook arrived.

``PlainWebhooks`` is the ceiling of both: a nameko service (eventlet, requests, as the
notifications service sends) that only signs and POSTs, with nothing stored, fanned out or
scheduled. ``post_all`` sends one body signed for each of many endpoints through a GreenPool of
the service's own concurrency; ``studio_rated``, a bare event handler, POSTs each event it hears
signed, at once, to where ``aim`` pointed it.

    nameko run --config config.yaml bench.webhooks:PlainWebhooks
"""
import argparse
import contextlib
import datetime
import os
import time

import eventlet
import requests
from nameko.events import event_handler
from nameko.rpc import rpc

from bench.bench_admission import call_all, parse_time, percentile
from bench.bench_marks import _broker_pid, bench_system
from common.clock import utc_datetime, utc_now
from common.config import DEFAULT_CONFIG_PATH
from common.outbox import ConfirmedPublisher, outbox_entries
from common.storage import open_database, read_document
from common.testing import callers
from common.testing.contracts import studio_envelope, studio_rated
from common.testing.receivers import WebhookReceiver
from services.notifications.api import MAX_ENDPOINTS
from services.notifications.domain.delivery import DELIVERED
from services.notifications.domain.signing import signed_headers, webhook_body
from services.notifications.events import SOURCES, STUDIO_RATED
from services.notifications.repository import NotificationsRepository, delivery_id
from tests.processes import NOTIFICATIONS

PLAIN_WEBHOOKS = "bench.webhooks:PlainWebhooks"
PLAIN = "plain webhooks"  # its process's name
# The receiver runs on this machine: the service may call it (config.yaml, from the environment).
ALLOWED_NETWORKS = "[127.0.0.1/32]"
OWNER = callers.reviewer(subject="bench-integration")  # one integration owning every endpoint
STARTUP_SECONDS = 120  # the notifications service reads its deliveries' index at its first run
RPC_TIMEOUT = 120
TIMEOUT_SECONDS = 15  # a POST's, as WEBHOOK_TIMEOUT_SECONDS in config.yaml
SEED_CHUNK = 5000
STORED = 100_000  # deliveries of past events in the store: 100 events to 1,000 endpoints


def signed_post(session, url, message_id, body, secret):
    """One POST of ``body`` signed as an attempt of the service's is; the status answered."""
    headers = {"content-type": "application/json; charset=utf-8",
               **signed_headers(message_id, body, [secret], utc_datetime())}
    with session.post(url, data=body.encode("utf-8"), headers=headers, timeout=TIMEOUT_SECONDS,
                      allow_redirects=False) as answer:
        return answer.status_code


class PlainWebhooks:
    name = "bench_plain_webhooks"

    hop_session = requests.Session()  # the raw hop's, kept alive as the service keeps its own
    target = None  # (url, secret) the raw hop POSTs to: one container per process
    pooled = {}  # concurrency -> its session, kept from round to round as the service keeps its own

    @rpc
    def post_all(self, targets, message_id, body, concurrency):
        """``body`` POSTed, signed, to each (url, secret) of ``targets``, ``concurrency`` at a time
        on one keep-alive session; how many answered 2xx."""
        session = self.pooled.get(concurrency)
        if session is None:
            # A client sized for its concurrency keeps a connection for each request in flight.
            session = self.pooled[concurrency] = requests.Session()
            session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=concurrency))
        pool = eventlet.GreenPool(concurrency)
        statuses = pool.imap(lambda target: signed_post(session, target[0], message_id, body, target[1]),
                             targets)
        return sum(1 for status in statuses if 200 <= status < 300)

    @rpc
    def aim(self, url, secret):
        """Where the raw hop POSTs each event it hears from now on (nowhere while None)."""
        PlainWebhooks.target = (url, secret) if url else None

    @event_handler(SOURCES[STUDIO_RATED], STUDIO_RATED)
    def studio_rated(self, envelope):
        if PlainWebhooks.target is None:
            return
        url, secret = PlainWebhooks.target
        body = webhook_body(envelope["event_type"], envelope["occurred_at"], envelope["data"])
        signed_post(self.hop_session, url, envelope["event_id"], body, secret)


# ---------------------------------------------------------------------------------------------
# The store of a service that has run a while, and the system around it.


def _past(n):
    """(event id, endpoint id) of the ``n``-th seeded delivery."""
    return f"bench-past-{n:08d}", f"ept-bench-past-{n % 1000:04d}"


def past_delivery_id(n):
    return delivery_id(*_past(n))


def delivered(n, body, at):
    """The ``n``-th delivery of a past event, delivered at its first attempt: the fields and size
    of those the service keeps (its body, its attempt logged), no longer due."""
    event_id, endpoint_id = _past(n)
    return {"_id": delivery_id(event_id, endpoint_id), "endpoint_id": endpoint_id,
            "subscriber_id": "sbr-bench-past", "event_id": event_id, "topic": STUDIO_RATED,
            "body": body, "status": DELIVERED, "failed_attempts": 0, "created_at": at,
            "attempts": [{"at": at, "reason": "scheduled", "status": 200, "latency_ms": 4.2,
                          "response_body": '{"status": 200}', "error": None, "outcome": DELIVERED,
                          "at_least": 0}]}


def seed_delivered(data_dir, count):
    """``count`` delivered deliveries in the notifications store (the service not yet running),
    behind the indexes its repository declares."""
    if not count:
        return
    started = time.perf_counter()
    body = webhook_body(STUDIO_RATED, utc_now(), studio_rated())
    at = utc_now(utc_datetime() - datetime.timedelta(days=1))
    database = open_database({"DATA_DIR": str(data_dir)}, NOTIFICATIONS)
    try:
        NotificationsRepository(database)
        for start in range(0, count, SEED_CHUNK):
            database["deliveries"].insert_many([delivered(n, body, at)
                                                for n in range(start, min(count, start + SEED_CHUNK))])
    finally:
        database.client.close()
    print(f"  {count:,} delivered deliveries seeded in the notifications store "
          f"({time.perf_counter() - started:.0f} s)", flush=True)


def arguments(doc):
    """The options of both benchmarks: the configuration, the deliveries stored beforehand, the logs."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--config", default=DEFAULT_CONFIG_PATH)
    parser.add_argument("--stored", type=int, default=STORED,
                        help="delivered deliveries in the store before the service starts")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    return parser


@contextlib.contextmanager
def webhook_system(config, args, label):
    """``(system, receiver)``: a benchmark's system (``bench_marks.bench_system``) and a webhook
    receiver in its directory, the notifications store seeded with ``args.stored`` deliveries."""
    with bench_system(config["AMQP_URI"], args.config, label, args.keep) as system, \
            WebhookReceiver(system.directory / "receiver") as receiver:
        print(f"bench_{label}: {os.cpu_count()} cores, broker vhost {system.vhost}, "
              f"data in {system.directory}", flush=True)
        seed_delivered(system.data_dir, args.stored)
        yield system, receiver


def process_ids(system, receiver):
    """The processes whose CPU a round reads."""
    return {NOTIFICATIONS: system.pid(NOTIFICATIONS), PLAIN: system.pid(PLAIN), "receiver": receiver.pid,
            "broker": _broker_pid()}


def start_notifications(system, profile=False):
    """The notifications service (allowed to call this machine) and the plain client, both
    serving."""
    system.declare_topology()
    system.start(NOTIFICATIONS, profile=profile, NOTIFICATIONS_ALLOWED_NETWORKS=ALLOWED_NETWORKS)
    system.start_as(PLAIN, PLAIN_WEBHOOKS)
    system.wait_for_notifications(STARTUP_SECONDS)
    system.wait_for_rpc(PLAIN, lambda cluster: cluster.bench_plain_webhooks.aim(None, None), STARTUP_SECONDS)


def register_endpoints(cluster, receiver, paths):
    """An endpoint at each of ``paths`` of the receiver, registered by OWNER, and subscriptions of
    them to studio.rated, each naming as many as a subscription may; the endpoints, each with
    its secret."""
    caller = OWNER.to_dict()
    endpoints = call_all(cluster.notifications.register_endpoint,
                         [(caller, {"url": receiver.url(path), "description": f"基准测试 {path}"})
                          for path in paths])
    ids = [endpoint["id"] for endpoint in endpoints]
    call_all(cluster.notifications.subscribe,
             [(caller, {"topics": [STUDIO_RATED], "endpoint_ids": ids[start:start + MAX_ENDPOINTS]})
              for start in range(0, len(ids), MAX_ENDPOINTS)])
    return endpoints


def rated_event():
    """A fresh studio.rated envelope (its own event id), as the studios service sends it."""
    return studio_envelope(STUDIO_RATED, studio_rated())


@contextlib.contextmanager
def studios_relay(system):
    """``publish(envelope)``, as the studios service's relay publishes (persistent, mandatory,
    confirmed), on one connection kept open: a publication costs what the relay's costs, without
    a connection's set-up."""
    publisher = ConfirmedPublisher(system.amqp_uri, SOURCES[STUDIO_RATED], confirm_timeout=30)

    def publish(envelope):
        confirmed, failures = publisher.publish(outbox_entries([envelope]))
        if failures or not confirmed:
            raise RuntimeError(f"{envelope['event_id']} not published: {failures or 'unconfirmed'}")
    try:
        yield publish
    finally:
        publisher.close()


def stored_deliveries(system, sent):
    """The deliveries of ``sent`` ((event id, endpoint id) pairs) as the service's store holds them
    now, read by their ids; those not there are left out."""
    def read(database):
        found = (read_document(database["deliveries"], delivery_id(*pair)) for pair in sent)
        return [delivery for delivery in found if delivery is not None]
    return system.read_store(NOTIFICATIONS, read)


class Arrivals:
    """When the receiver recorded each request it got: ``(path, webhook-id, seconds since the
    epoch)``, read on from where the last reading ended (the receiver and the benchmark share
    this machine's clock)."""

    def __init__(self, receiver):
        self.receiver = receiver
        self._read = []

    def all(self):
        records = self.receiver.records()
        self._read.extend((record["path"], record["headers"].get("webhook-id"), parse_time(record["received_at"]))
                          for record in records[len(self._read):])
        return self._read

    def of(self, webhook_id):
        """The arrival times of the requests of ``webhook_id``."""
        return [at for _path, received_id, at in self.all() if received_id == webhook_id]

    def at(self, path):
        """``{webhook-id: its first arrival}`` at ``path``."""
        first = {}
        for received_path, received_id, at in self.all():
            if received_path == path:
                first.setdefault(received_id, at)
        return first

    def body_sizes(self, webhook_id):
        return {len(r["body"].encode("utf-8")) for r in self.receiver.records()
                if r["headers"].get("webhook-id") == webhook_id}


def milliseconds(values):
    """(p50, p99) of ``values`` (seconds), in milliseconds."""
    return percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000
