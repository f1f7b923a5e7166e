"""The notifications service's webhooks and inbox items reach every subscriber, whatever happens
on the way, against the real broker, real `nameko run` processes (tests/processes.py) and the
real webhook receiver in its own process (common/testing/receivers.py):

- an event published while the service is down is delivered, signed, and put in the inbox once
  it starts;
- a fan-out of events to a hundred endpoints survives the service being SIGKILLed in the middle
  of it, attempts in flight: every endpoint is given every message, and only what the killed
  instance had not recorded as delivered is given again, under the same ``webhook-id``;
- endpoints that fail (500s, connections dropped) for a while are given every message once they
  recover, retried on a short schedule meanwhile, none twice;
- the service's broker connections closed from the broker's side in the middle of a fan-out,
  or the broker itself stopped and started again, lose nothing and double nothing: the service
  reconnects by itself.

Every request received is verified with the standardwebhooks library, as a receiver would. A
message is given to an endpoint when the endpoint answers it 2xx; a duplicate is a message given
to the same endpoint more than once. Events are studio.rated envelopes, published as the studios
relay publishes them. The kill and the closing fall in the middle of a fan-out by construction:
once a source of truth (the receiver's record, the store) shows part of it done, and before the
second half of its events is published; the kill, besides, while requests the receiver holds
unanswered are in flight.
"""
import collections
import json

import pytest
from standardwebhooks.webhooks import Webhook

from common.testing import callers
from common.testing.contracts import studio_envelope, studio_rated
from common.testing.receivers import WebhookReceiver
from common.testing.waiting import wait_until
from common.topology import subscriptions
from services.notifications.api import MAX_ENDPOINTS
from services.notifications.events import STUDIO_RATED
from services.notifications.service import NotificationsService
from tests.processes import NOTIFICATIONS

pytestmark = pytest.mark.slow

WAIT = 120  # seconds any one wait may take on a busy two-core machine
[QUEUE] = [queue for _, event_type, queue in subscriptions(NotificationsService)
           if event_type == STUDIO_RATED]
SUBSCRIBER = callers.reviewer(subject="hr-system").to_dict()  # hears of every studio's rating
SCHEDULE = [0.5, 0.5, 1, 1, 2, 2, 5, 5]  # seconds between failed attempts
SETTINGS = {"NOTIFICATIONS_ALLOWED_NETWORKS": json.dumps(["127.0.0.1/32"]),  # the receiver's
            "WEBHOOK_RETRY_SCHEDULE": json.dumps(SCHEDULE)}
# What a SIGKILLed instance had claimed is due again after seconds, not two minutes; still longer
# than the test takes from an attempt to the kill, so that an attempt held by its receiver is not
# claimed again before it.
SHORT_LEASE = {"DELIVERY_LEASE_SECONDS": "20"}  # beyond the 15 s an attempt may wait


@pytest.fixture
def receiver(tmp_path):
    with WebhookReceiver(tmp_path / "webhooks") as running:
        yield running


def start_notifications(system, **settings):
    system.start(NOTIFICATIONS, **{**SETTINGS, **settings})
    system.wait_for_notifications()


def subscribe_endpoints(system, receiver, count):
    """``count`` endpoints of the subscriber at the receiver, each subscribed to studio.rated:
    ``{path: endpoint}``, each with the secret it signs with."""
    endpoints = {}
    with system.rpc(timeout=60) as cluster:
        notifications = cluster.notifications
        for n in range(count):
            path = f"/hooks/{n:03d}"
            endpoints[path] = notifications.register_endpoint(
                SUBSCRIBER, {"url": receiver.url(path), "description": f"人事系统{n}"})
        ids = [endpoint["id"] for endpoint in endpoints.values()]
        for start in range(0, count, MAX_ENDPOINTS):  # as many as a subscription may name
            notifications.subscribe(SUBSCRIBER, {"topics": [STUDIO_RATED],
                                                 "endpoint_ids": ids[start:start + MAX_ENDPOINTS]})
    return endpoints


def rated(n):
    """A studio.rated envelope, of an event id of its own, for studio ``n``."""
    return studio_envelope(STUDIO_RATED, studio_rated(studio_id=f"std-{n:012x}"))


def publish(system, events):
    system.publish(events, source="studios")


def answered_2xx(request):
    return request.status is not None and 200 <= request.status < 300


def given(receiver, endpoints, events):
    """``{(path, event id): times the endpoint at path was given the event}``, from every request
    the receiver received, each verified with its endpoint's secret. The event is read from the
    verified payload, and the request's ``webhook-id`` must be that event's id on every attempt."""
    by_studio = {event["data"]["studio_id"]: event for event in events}
    counted = collections.Counter()
    for request in receiver.received():
        payload = Webhook(endpoints[request.path]["secret"]).verify(
            request.body.encode("utf-8"), request.headers)
        event = by_studio[payload["data"]["studio_id"]]
        assert payload["type"] == STUDIO_RATED
        assert request.headers["webhook-id"] == event["event_id"]
        if answered_2xx(request):
            counted[request.path, event["event_id"]] += 1
    return counted


def duplicates_once_each_is_given(receiver, endpoints, events):
    """Every endpoint given every event at least once; ``{(path, event id): times given beyond
    the first}``, counted and printed."""
    counted = given(receiver, endpoints, events)
    assert set(counted) == {(path, e["event_id"]) for path in endpoints for e in events}  # none lost
    duplicates = {key: times - 1 for key, times in counted.items() if times > 1}
    print(f"\n{len(counted)} messages given, {sum(duplicates.values())} duplicates")
    return duplicates


def delivery_states(system):
    """``{status: deliveries}`` in the notifications store."""
    return system.read_store(NOTIFICATIONS, lambda database: collections.Counter(
        d["status"] for d in database["deliveries"].find({}, {"status": 1})))


def wait_until_delivered(system, total):
    """Until the store holds ``total`` deliveries, every one delivered: nothing more is sent."""
    system.wait_until(lambda: delivery_states(system) == {"delivered": total}, WAIT, interval=0.5,
                      message=f"{total} deliveries delivered", running=[NOTIFICATIONS])


def assert_each_event_in_the_inbox_once(system, events):
    with system.rpc() as cluster:
        page = cluster.notifications.list_inbox(SUBSCRIBER, {"limit": 100})
    assert page["total"] == len(events)
    assert sorted(item["event_id"] for item in page["items"]) == sorted(e["event_id"] for e in events)


def test_an_event_published_while_the_service_is_down_is_delivered_once_it_starts(system, receiver):
    system.declare_topology([NotificationsService])
    start_notifications(system)
    endpoints = subscribe_endpoints(system, receiver, 1)
    system.stop(NOTIFICATIONS)
    event = rated(0)
    publish(system, [event])
    assert system.queue_counts()[QUEUE] == (1, 0)  # waiting, nobody consuming

    start_notifications(system)
    system.wait_until_settled([QUEUE], WAIT, running=[NOTIFICATIONS])
    wait_until_delivered(system, 1)
    assert duplicates_once_each_is_given(receiver, endpoints, [event]) == {}
    assert_each_event_in_the_inbox_once(system, [event])


# A hundred endpoints; half the events published before the kill, half while the service is down.
KILL_ENDPOINTS = 100
KILL_EVENTS = 6


def recorded_delivered(system, path_of):
    """``{(path, event id)}`` of the deliveries the store records as delivered."""
    return system.read_store(NOTIFICATIONS, lambda database: {
        (path_of[d["endpoint_id"]], d["event_id"])
        for d in database["deliveries"].find({"status": "delivered"}, {"endpoint_id": 1, "event_id": 1})})


def test_a_service_killed_mid_fan_out_gives_every_endpoint_every_message(system, receiver):
    system.declare_topology([NotificationsService])
    # Killed, it leaves its claims on deliveries for their lease: seconds, not two minutes.
    start_notifications(system, **SHORT_LEASE)
    endpoints = subscribe_endpoints(system, receiver, KILL_ENDPOINTS)
    path_of = {endpoint["id"]: path for path, endpoint in endpoints.items()}
    events = [rated(n) for n in range(KILL_EVENTS)]
    half = KILL_EVENTS // 2
    publish(system, events[:half - 1])
    system.wait_until(lambda: len(recorded_delivered(system, path_of)) >= KILL_ENDPOINTS, WAIT,
                      interval=0.05, message="part of the fan-out delivered")
    # From now on each endpoint holds the next request it is sent unanswered, past the kill; one
    # event more gives the sender something to attempt.
    for path in endpoints:
        receiver.behave(path, delay_seconds=WAIT, times=1)
    publish(system, events[half - 1:half])
    receiver.wait_until(lambda: any(r.delay_seconds for r in receiver.received()), WAIT,
                        "an attempt held unanswered")
    system.kill(NOTIFICATIONS)
    for path in endpoints:
        receiver.behave(path)  # answering at once again
    publish(system, events[half:])

    recorded = recorded_delivered(system, path_of)
    received = receiver.received()
    # Given, as far as the receiver knows, but not recorded: what was in flight at the kill.
    unrecorded = {(r.path, r.headers["webhook-id"]) for r in received if answered_2xx(r)} - recorded
    held = {(r.path, r.headers["webhook-id"]) for r in received if r.delay_seconds}
    assert held and held <= unrecorded
    ready, _ = system.queue_counts()[QUEUE]
    assert ready >= KILL_EVENTS - half  # the second half waits

    start_notifications(system)  # on the same data, as deployed
    system.wait_until_settled([QUEUE], WAIT, running=[NOTIFICATIONS])
    wait_until_delivered(system, KILL_ENDPOINTS * KILL_EVENTS)
    duplicates = duplicates_once_each_is_given(receiver, endpoints, events)
    print(f"at the kill: {len(recorded)} recorded delivered, {len(unrecorded)} given but not "
          f"recorded, {len(held)} of them held")
    # What the killed instance had sent without recording the answer is given again; what it had
    # recorded as delivered is not; nothing more than once again.
    assert unrecorded <= set(duplicates)
    assert not set(duplicates) & recorded
    assert set(duplicates.values()) == {1}
    assert_each_event_in_the_inbox_once(system, events)


FAILING_ENDPOINTS = 20
FAILING_EVENTS = 3


def test_endpoints_failing_for_a_while_are_given_every_message_once_they_recover(system, receiver):
    system.declare_topology([NotificationsService])
    start_notifications(system)
    endpoints = subscribe_endpoints(system, receiver, FAILING_ENDPOINTS)
    for n, path in enumerate(sorted(endpoints)):  # half answer 500, half drop the connection
        receiver.behave(path, status=500, close=bool(n % 2))
    events = [rated(n) for n in range(FAILING_EVENTS)]
    publish(system, events)

    def each_refused_twice():  # attempted, refused, retried on the schedule and refused again
        refused = collections.Counter((r.path, r.headers["webhook-id"]) for r in receiver.received())
        return len(refused) == FAILING_ENDPOINTS * FAILING_EVENTS and min(refused.values()) >= 2
    receiver.wait_until(each_refused_twice, WAIT, "every message refused twice")
    for path in endpoints:
        receiver.behave(path)  # 200 from now on

    wait_until_delivered(system, FAILING_ENDPOINTS * FAILING_EVENTS)
    assert duplicates_once_each_is_given(receiver, endpoints, events) == {}
    failures = system.read_store(NOTIFICATIONS, lambda database: [
        d["failed_attempts"] for d in database["deliveries"].find({}, {"failed_attempts": 1})])
    assert min(failures) >= 2 and max(failures) < len(SCHEDULE)  # retried, the schedule not spent
    assert_each_event_in_the_inbox_once(system, events)


# A hundred endpoints; half the events being fanned out when the connections are closed, half
# published after.
CLOSED_ENDPOINTS = 100
CLOSED_EVENTS = 20
LOST = "Connection to broker lost"  # what the service logs when its consumer's connection drops


def inbox_size(system):
    return system.read_store(NOTIFICATIONS, lambda database: database["inbox"].count_documents({}))


def test_broker_connections_closed_mid_fan_out_lose_nothing_and_double_nothing(system, receiver, broker):
    system.declare_topology([NotificationsService])
    start_notifications(system)
    endpoints = subscribe_endpoints(system, receiver, CLOSED_ENDPOINTS)
    # The management API closes only the connections it lists, some seconds after they opened.
    system.wait_until(lambda: broker.connections(system.vhost) <= broker.managed_connections(system.vhost),
                      WAIT, message="the service's connections listed by the management API")
    events = [rated(n) for n in range(CLOSED_EVENTS)]
    half = CLOSED_EVENTS // 2
    publish(system, events[:half])
    wait_until(lambda: inbox_size(system) >= 1, WAIT, interval=0.02, message="the fan-out under way")
    assert LOST not in system.log(NOTIFICATIONS)
    assert broker.close_connections(system.vhost)  # this system's vhost only
    print(f"\nconnections closed with {inbox_size(system)} of {CLOSED_EVENTS} events fanned out")
    publish(system, events[half:])

    # The service reconnects by itself: nothing is restarted.
    system.wait_until_settled([QUEUE], WAIT, running=[NOTIFICATIONS])
    wait_until_delivered(system, CLOSED_ENDPOINTS * CLOSED_EVENTS)
    system.wait_for_notifications()  # and serves RPC again
    assert LOST in system.log(NOTIFICATIONS)
    assert duplicates_once_each_is_given(receiver, endpoints, events) == {}  # no instance died
    assert_each_event_in_the_inbox_once(system, events)


def test_a_broker_restarted_mid_fan_out_loses_nothing_and_doubles_nothing(system, receiver, broker):
    system.declare_topology([NotificationsService])
    start_notifications(system)
    endpoints = subscribe_endpoints(system, receiver, CLOSED_ENDPOINTS)
    events = [rated(n) for n in range(CLOSED_EVENTS)]
    half = CLOSED_EVENTS // 2
    publish(system, events[:half])
    wait_until(lambda: inbox_size(system) >= 1, WAIT, interval=0.02, message="the fan-out under way")
    log_before = len(system.log(NOTIFICATIONS))
    with broker.app_stopped():  # started again however this block ends
        fanned_out_while_down = inbox_size(system)
        # stop_app closed every connection; bounded: until the service has logged it.
        wait_until(lambda: LOST in system.log(NOTIFICATIONS)[log_before:], WAIT,
                   message="the service noticing that the broker is down")
    assert fanned_out_while_down < CLOSED_EVENTS  # the broker went down in the middle of it
    publish(system, events[half:])

    system.wait_until_settled([QUEUE], WAIT, running=[NOTIFICATIONS])
    wait_until_delivered(system, CLOSED_ENDPOINTS * CLOSED_EVENTS)
    system.wait_for_notifications()  # and serves RPC again
    assert duplicates_once_each_is_given(receiver, endpoints, events) == {}  # no instance died
    assert_each_event_in_the_inbox_once(system, events)
