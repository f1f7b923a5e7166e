"""Reliable event handling against the real broker: retried with backoff, then parked, replayed;
and whatever a message holds (an odd retry count, a body that is no JSON, one the store refuses,
one too large), it ends parked, listable and replayable, and the consumer goes on consuming.
Whether something is still to happen is asked of the broker (``settled``), never of the clock."""
import json
import logging
import pickle
import sqlite3

import pytest
from kombu import Connection, Producer

from common.consumer import ATTEMPTS_HEADER, PARKED, Parking, ReliableEventHandler, reliable_event_handler
from common.events import make_event
from common.testing.waiting import wait_until
from common.topology import event_exchange
from tests.processes import settled

HANDLED = []
FAILURES_LEFT = {"count": 0}


class Flaky:
    name = "flaky"
    parking = Parking()

    @reliable_event_handler("outbox_test", "thing.changed")
    def handle(self, envelope):
        HANDLED.append(envelope["event_id"])
        if FAILURES_LEFT["count"] > 0:
            FAILURES_LEFT["count"] -= 1
            raise RuntimeError("store unavailable")


@pytest.fixture
def flaky(container_factory, service_config):
    HANDLED.clear()
    container = container_factory(Flaky, {**service_config, "EVENT_RETRY_DELAYS": [0.1, 0.2],
                                          "EVENT_MAX_BYTES": MAX_BYTES,
                                          "EVENT_UNSTORABLE_PAUSE": 0.1})
    container.start()
    return container


MAX_BYTES = 64 * 1024


def publish(amqp_uri, body, **options):
    """Publish to the handler's exchange; with ``content_type`` a bytes body goes as it is."""
    with Connection(amqp_uri) as connection:
        Producer(connection.channel()).publish(body, exchange=event_exchange("outbox_test"),
                                               routing_key="thing.changed",
                                               declare=[event_exchange("outbox_test")],
                                               **{"serializer": "json", **options})




def lot(container):
    return next(iter(container.dependencies)).lot.messages


def test_a_handler_that_fails_for_a_while_gets_the_message_again_later(flaky, service_config):
    FAILURES_LEFT["count"] = 2
    event = make_event("thing.changed", {"n": 1}, source="outbox_test")
    publish(service_config["AMQP_URI"], event)

    wait_until(lambda: len(HANDLED) == 3)
    wait_until(lambda: settled(service_config["AMQP_URI"]))  # no copy of it left anywhere
    assert HANDLED == [event["event_id"]] * 3  # the first try and two retries, no more
    assert lot(flaky).list()["total"] == 0


def test_a_handler_that_keeps_failing_parks_the_message_and_a_replay_brings_it_back(
        flaky, service_config):
    FAILURES_LEFT["count"] = 3
    event = make_event("thing.changed", {"n": 2}, source="outbox_test")
    publish(service_config["AMQP_URI"], event)

    wait_until(lambda: lot(flaky).list()["total"] == 1)
    [parked] = lot(flaky).list()["items"]
    assert parked["event_id"] == event["event_id"] and parked["attempts"] == 3
    assert "store unavailable" in parked["error"]
    assert len(HANDLED) == 3

    assert lot(flaky).replay(parked["_id"]) == 1
    wait_until(lambda: len(HANDLED) == 4)
    assert lot(flaky).list()["total"] == 0


def test_a_message_that_is_no_event_is_parked_at_once(flaky, service_config):
    publish(service_config["AMQP_URI"], {"hello": "world"})

    wait_until(lambda: lot(flaky).list()["total"] == 1)
    [parked] = lot(flaky).list()["items"]
    assert parked["body"] == {"hello": "world"} and "not an event envelope" in parked["error"]
    assert HANDLED == []


# whatever a message holds


def handler(container):
    return next(e for e in container.entrypoints if isinstance(e, ReliableEventHandler))


def parked_once_more(container, before):
    """The one message parked after the ``before`` already parked (their ids)."""
    wait_until(lambda: lot(container).list()["total"] == len(before) + 1)
    [parked] = [p for p in lot(container).list(limit=500)["items"] if p["_id"] not in before]
    return parked


def assert_replayed_as_it_was(container, amqp_uri, parked):
    """Replayed, it comes back exactly as it was and, still bad, is parked again alike; the
    consumer meanwhile takes the next good message; nothing is left on any queue."""
    assert lot(container).replay(parked["_id"]) == 1
    again = parked_once_more(container, set())
    keys = ("raw", "raw_encoding", "content_type", "content_encoding", "size", "truncated", "body")
    assert {k: again.get(k) for k in keys} == {k: parked.get(k) for k in keys}
    assert_consumes_the_next(amqp_uri)


def assert_consumes_the_next(amqp_uri):
    good = make_event("thing.changed", {"n": "next"}, source="outbox_test")
    publish(amqp_uri, good)
    wait_until(lambda: good["event_id"] in HANDLED)
    wait_until(lambda: settled(amqp_uri))


@pytest.mark.parametrize("attempts", ["abc", [1, 2], -3, True])
def test_a_retry_count_that_is_no_count_counts_as_none(flaky, service_config, attempts):
    FAILURES_LEFT["count"] = 3
    event = make_event("thing.changed", {"n": 3}, source="outbox_test")
    publish(service_config["AMQP_URI"], event, headers={ATTEMPTS_HEADER: attempts})

    parked = parked_once_more(flaky, set())
    assert parked["body"] == event and parked["attempts"] == 3  # counted from 0: every retry
    assert HANDLED == [event["event_id"]] * 3
    assert lot(flaky).replay(parked["_id"]) == 1
    wait_until(lambda: len(HANDLED) == 4)  # replayed, and handled now that it succeeds
    assert_consumes_the_next(service_config["AMQP_URI"])
    assert lot(flaky).list()["total"] == 0


UNDECODABLE = {
    "invalid JSON": (b'{"event_id": "e-1", "data": {', "application/json", "utf-8"),
    "plain text": ("隔壁 says hello".encode("utf-8"), "text/plain", "utf-8"),
    "a pickle": (pickle.dumps({"event_id": "e-2"}), "application/x-python-serialize", "binary"),
    "bytes that are not UTF-8": (b"\xff\xfe\x00junk", "application/octet-stream", "binary"),
}


@pytest.mark.parametrize("kind", sorted(UNDECODABLE))
def test_a_body_that_cannot_be_decoded_is_parked_as_it_came(flaky, service_config, kind):
    raw, content_type, encoding = UNDECODABLE[kind]
    publish(service_config["AMQP_URI"], raw, content_type=content_type, content_encoding=encoding)

    parked = parked_once_more(flaky, set())
    assert (parked["content_type"], parked["size"], parked["truncated"]) == (content_type, len(raw), False)
    assert parked["body"] is None and parked["attempts"] == 1
    assert "cannot decode the body" in parked["error"] or "not an event envelope" in parked["error"]
    kept = parked["raw"].encode("utf-8") if parked["raw_encoding"] == "utf-8" else None
    assert kept == raw if kept is not None else parked["raw_encoding"] == "base64"
    assert HANDLED == []
    assert_replayed_as_it_was(flaky, service_config["AMQP_URI"], parked)


UNSTORABLE = {
    "an integer beyond 64 bits": {"event_id": "e-3", "n": 2 ** 64},
    "a NUL in a key": {"event_id": "e-4", "bad\u0000key": 1},
}


@pytest.mark.parametrize("kind", sorted(UNSTORABLE))
def test_a_body_the_store_refuses_is_parked_as_its_text(flaky, service_config, kind):
    body = UNSTORABLE[kind]
    publish(service_config["AMQP_URI"], body)

    parked = parked_once_more(flaky, set())
    assert json.loads(parked["raw"]) == body and parked["content_type"] == "application/json"
    assert parked["event_id"] == body["event_id"] and "not an event envelope" in parked["error"]
    assert_replayed_as_it_was(flaky, service_config["AMQP_URI"], parked)


def test_an_envelope_beyond_the_size_bound_is_parked_unread(flaky, service_config):
    event = make_event("thing.changed", {"name": "名" * MAX_BYTES}, source="outbox_test")
    publish(service_config["AMQP_URI"], event)

    parked = parked_once_more(flaky, set())
    assert "too large" in parked["error"] and parked["size"] > MAX_BYTES
    assert json.loads(parked["raw"]) == event and not parked["truncated"]
    assert HANDLED == []  # never handled
    assert_replayed_as_it_was(flaky, service_config["AMQP_URI"], parked)


def test_a_store_that_takes_nothing_holds_the_message_and_logs_it_once_a_while(
        flaky, service_config, caplog):
    amqp_uri = service_config["AMQP_URI"]
    parked_file = f"{service_config['DATA_DIR']}/flaky/jiangxin/{PARKED}"
    lock = sqlite3.connect(parked_file, isolation_level=None, timeout=1)
    try:
        lock.execute("BEGIN EXCLUSIVE")  # as a full disk would: every write fails
        publish(amqp_uri, {"hello": "world"})
        # Handed back to the broker and taken again, twice: the message is never acked meanwhile.
        wait_until(lambda: handler(flaky)._unsettled >= 2, timeout=60)
        assert not settled(amqp_uri)
    finally:
        lock.close()
    wait_until(lambda: lot(flaky).list()["total"] == 1, timeout=60)
    wait_until(lambda: settled(amqp_uri))
    [parked] = lot(flaky).list()["items"]
    assert parked["body"] == {"hello": "world"}
    reports = [r for r in caplog.records if r.name == "common.consumer"
               and r.levelno == logging.ERROR and "could not retry or park" in r.getMessage()]
    assert len(reports) == 1  # however often it failed within the report interval
    assert_consumes_the_next(amqp_uri)
