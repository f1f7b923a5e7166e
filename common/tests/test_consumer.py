"""Reliable event handling against the real broker: retried with backoff, then parked, replayed."""
import eventlet
import pytest
from kombu import Connection, Producer

from common.consumer import Parking, reliable_event_handler
from common.events import make_event
from common.topology import event_exchange

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
    container = container_factory(Flaky, {**service_config, "EVENT_RETRY_DELAYS": [0.1, 0.2]})
    container.start()
    return container


def publish(amqp_uri, body):
    with Connection(amqp_uri) as connection:
        Producer(connection.channel()).publish(body, exchange=event_exchange("outbox_test"),
                                               routing_key="thing.changed", serializer="json",
                                               declare=[event_exchange("outbox_test")])


def wait_for(condition, seconds=10):
    with eventlet.Timeout(seconds):
        while not condition():
            eventlet.sleep(0.05)


def lot(container):
    return next(iter(container.dependencies)).lot.messages


def test_a_handler_that_fails_for_a_while_gets_the_message_again_later(flaky, service_config):
    FAILURES_LEFT["count"] = 2
    event = make_event("thing.changed", {"n": 1}, source="outbox_test")
    publish(service_config["AMQP_URI"], event)

    wait_for(lambda: len(HANDLED) == 3)
    eventlet.sleep(0.5)
    assert HANDLED == [event["event_id"]] * 3  # the first try and two retries, no more
    assert lot(flaky).list()["total"] == 0


def test_a_handler_that_keeps_failing_parks_the_message_and_a_replay_brings_it_back(
        flaky, service_config):
    FAILURES_LEFT["count"] = 3
    event = make_event("thing.changed", {"n": 2}, source="outbox_test")
    publish(service_config["AMQP_URI"], event)

    wait_for(lambda: lot(flaky).list()["total"] == 1)
    [parked] = lot(flaky).list()["parked"]
    assert parked["event_id"] == event["event_id"] and parked["attempts"] == 3
    assert "store unavailable" in parked["error"]
    assert len(HANDLED) == 3

    assert lot(flaky).replay(parked["_id"]) == 1
    wait_for(lambda: len(HANDLED) == 4)
    assert lot(flaky).list()["total"] == 0


def test_a_message_that_is_no_event_is_parked_at_once(flaky, service_config):
    publish(service_config["AMQP_URI"], {"hello": "world"})

    wait_for(lambda: lot(flaky).list()["total"] == 1)
    [parked] = lot(flaky).list()["parked"]
    assert parked["body"] == {"hello": "world"} and "not an event envelope" in parked["error"]
    assert HANDLED == []
