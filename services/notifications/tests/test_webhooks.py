"""Webhooks from the notifications service in real containers on the real broker, to the real
webhook receiver in its own process: every delivery verified with the standardwebhooks library
as a receiver would, retried on the schedule after a failure, held when its endpoint is gone,
and sent once however many instances are running."""
import collections
import types

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from standardwebhooks.webhooks import Webhook

from common.errors import BadRequest, NotFound
from common.storage import Store
from common.testing import callers
from common.testing.contracts import studio_envelope, studio_rated
from common.testing.events import publish_event
from common.testing.receivers import WebhookReceiver
from common.testing.waiting import wait_until
from services.notifications import endpoints
from services.notifications.service import NotificationsService

OWNER = callers.reviewer(subject="hr-system")


@pytest.fixture(scope="module")
def receiver(tmp_path_factory):
    with WebhookReceiver(tmp_path_factory.mktemp("webhooks")) as running:
        yield running


@pytest.fixture
def notifications(container_factory, service_config):
    config = {**service_config, "EVENT_RETRY_DELAYS": [0.1, 0.2],
              "NOTIFICATIONS_ALLOWED_NETWORKS": ["127.0.0.1/32"],
              "WEBHOOK_RETRY_SCHEDULE": [0.2, 0.2, 0.2], "WEBHOOK_TIMEOUT_SECONDS": 2}
    containers = []

    def start():
        container = container_factory(NotificationsService, config)
        container.start()
        containers.append(container)
        return container

    def call(method, caller, *args):
        with entrypoint_hook(containers[0], method) as hook:
            return hook(caller.to_dict() if caller else None, *args)

    start()
    call.start, call.config = start, config
    call.store = next(e for e in containers[0].extensions if isinstance(e, Store)).repository
    call.hear = lambda body: _hear(containers[0], config, body)
    return call


def _hear(container, config, body):
    with entrypoint_waiter(container, "studio_rated", timeout=10):
        publish_event(config["AMQP_URI"], body)


def subscribed(notifications, receiver, path):
    endpoint = notifications("register_endpoint", OWNER, {"url": receiver.url(path), "description": "人事系统"})
    notifications("subscribe", OWNER, {"topics": ["studio.rated"], "endpoint_ids": [endpoint["id"]]})
    return endpoint


def deliveries(notifications, endpoint):
    return notifications("list_deliveries", OWNER, endpoint["id"], {})["items"]


def settled_as(notifications, endpoint, status, count=1):
    """The endpoint's deliveries in ``status``, once there are ``count`` of them (from the log)."""
    def found():
        matching = [d for d in deliveries(notifications, endpoint) if d["status"] == status]
        return matching if len(matching) >= count else None
    return wait_until(found, 15, message=f"{count} deliveries {status}")


def test_a_delivery_is_signed_verifiable_and_logged(notifications, receiver):
    endpoint = subscribed(notifications, receiver, "/hooks/signed")
    assert endpoint["secret"].startswith("whsec_")
    assert "secret" not in notifications("get_endpoint", OWNER, endpoint["id"])
    event = studio_envelope("studio.rated", studio_rated())
    notifications.hear(event)

    [received] = receiver.wait_for(1, "/hooks/signed")
    payload = Webhook(endpoint["secret"]).verify(received.body.encode("utf-8"), received.headers)
    assert payload["type"] == "studio.rated" and payload["data"]["stars"] == 4
    assert received.headers["webhook-id"] == event["event_id"]
    [logged] = settled_as(notifications, endpoint, "delivered")
    assert [(a["status"], a["outcome"], a["reason"]) for a in logged["attempts"]] == [(200, "delivered", "scheduled")]


def test_a_failed_attempt_is_retried_on_the_schedule_with_the_same_webhook_id(notifications, receiver):
    endpoint = subscribed(notifications, receiver, "/hooks/flaky")
    receiver.behave("/hooks/flaky", status=500, times=1)
    event = studio_envelope("studio.rated", studio_rated())
    notifications.hear(event)

    [logged] = settled_as(notifications, endpoint, "delivered")
    assert [a["outcome"] for a in logged["attempts"]] == ["retry", "delivered"]
    received = receiver.received("/hooks/flaky")
    assert [r.status for r in received] == [500, 200]
    assert {r.headers["webhook-id"] for r in received} == {event["event_id"]}
    for request in received:  # each attempt signed afresh, each verifiable
        Webhook(endpoint["secret"]).verify(request.body.encode("utf-8"), request.headers)


def test_a_410_disables_the_endpoint_tells_its_owner_and_holds_later_messages(notifications, receiver):
    endpoint = subscribed(notifications, receiver, "/hooks/gone")
    receiver.behave("/hooks/gone", status=410)
    notifications.hear(studio_envelope("studio.rated", studio_rated()))
    settled_as(notifications, endpoint, "held")
    disabled = notifications("get_endpoint", OWNER, endpoint["id"])
    assert disabled["status"] == "disabled" and "410" in disabled["disabled_reason"]
    [notice] = [i for i in notifications("list_inbox", OWNER, {})["items"] if i["topic"] == "endpoint.disabled"]
    assert endpoint["id"] not in notice["text"] and receiver.url("/hooks/gone") in notice["text"]

    notifications.hear(studio_envelope("studio.rated", studio_rated(studio_id="std-other")))
    settled_as(notifications, endpoint, "held", count=2)
    assert len(receiver.received("/hooks/gone")) == 1  # the held message was never sent


def test_two_instances_send_each_delivery_once(notifications, receiver):
    notifications.start()  # a second instance on the same store and queues: two timers
    endpoint = subscribed(notifications, receiver, "/hooks/twice")
    events = [studio_envelope("studio.rated", studio_rated(studio_id=f"std-{n:04d}")) for n in range(20)]
    for event in events:
        publish_event(notifications.config["AMQP_URI"], event)
    settled_as(notifications, endpoint, "delivered", count=20)
    sent = collections.Counter(r.headers["webhook-id"] for r in receiver.received("/hooks/twice"))
    assert set(sent) == {e["event_id"] for e in events}
    assert [n for n in sent.values() if n > 1] == []  # no duplicate


def test_targets_and_endpoints_are_checked(notifications, receiver):
    for url in ("ftp://example.com/hook", "https://user:pw@example.com/hook", "not a url"):
        with pytest.raises(BadRequest) as refused:
            notifications("register_endpoint", OWNER, {"url": url})
        assert "url" in refused.value.fields
    strict = types.SimpleNamespace(allowed_networks=())  # an operator who allows no private network
    with pytest.raises(BadRequest, match="refused"):
        endpoints.register_endpoint(notifications.store, strict, OWNER, {"url": receiver.url("/x")})
    theirs = notifications("register_endpoint", OWNER, {"url": receiver.url("/hooks/theirs")})
    stranger = callers.reviewer(subject="reviewer-9")
    with pytest.raises(BadRequest) as refused:
        notifications("subscribe", stranger, {"topics": ["studio.rated"], "endpoint_ids": [theirs["id"]]})
    assert refused.value.fields == {"endpoint_ids": [f"no webhook endpoint {theirs['id']}"]}
    for method in ("get_endpoint", "list_deliveries"):
        with pytest.raises(NotFound):
            notifications(method, stranger, theirs["id"])
    assert notifications("list_endpoints", callers.admin(), {})["total"] >= 1
