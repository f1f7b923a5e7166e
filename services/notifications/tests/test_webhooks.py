"""Webhooks from the notifications service in real containers on the real broker, to the real
webhook receiver in its own process: every delivery verified with the standardwebhooks library
as a receiver would, retried on the schedule after a failure, held when its endpoint is gone,
and sent once however many instances are running."""
import collections
import datetime
import types

import pytest
from standardwebhooks.webhooks import Webhook

from common.clock import instant
from common.errors import BadRequest, Conflict, Forbidden, NotFound
from common.testing import callers
from common.testing.contracts import studio_envelope, studio_rated
from common.testing.events import publish_event
from common.testing.services import ServiceUnderTest
from common.testing.waiting import wait_until
from services.notifications import endpoints
from services.notifications.service import NotificationsService

OWNER = callers.reviewer(subject="hr-system")


def configured(service_config, smtp, **settings):
    return {**service_config, "EVENT_RETRY_DELAYS": [0.1, 0.2], "NOTIFICATIONS_ALLOWED_NETWORKS": ["127.0.0.1/32"],
            "WEBHOOK_RETRY_SCHEDULE": [0.2, 0.2, 0.2], "WEBHOOK_TIMEOUT_SECONDS": 1,
            "SMTP": {"host": smtp.host, "port": smtp.port, "timeout": 5}, **settings}


@pytest.fixture
def notifications(container_factory, service_config, smtp):
    return ServiceUnderTest(container_factory, NotificationsService, configured(service_config, smtp))


@pytest.fixture
def fragile(container_factory, service_config, smtp):
    """An instance that disables an endpoint at its first failure, and keeps it so for an hour."""
    return ServiceUnderTest(container_factory, NotificationsService, configured(
        service_config, smtp, WEBHOOK_DISABLE_AFTER_SECONDS=0, WEBHOOK_COOLDOWN_SECONDS=3600))


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
    [stored] = notifications.store.endpoints.find({"_id": endpoint["id"]})
    assert endpoint["secret"] not in str(stored) and "whsec_" not in str(stored)  # sealed at rest
    event = studio_envelope("studio.rated", studio_rated())
    notifications.hear("studio_rated", event)

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
    notifications.hear("studio_rated", event)

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
    notifications.hear("studio_rated", studio_envelope("studio.rated", studio_rated()))
    settled_as(notifications, endpoint, "held")
    disabled = notifications("get_endpoint", OWNER, endpoint["id"])
    assert disabled["status"] == "disabled" and "410" in disabled["disabled_reason"]
    [notice] = [i for i in notifications("list_inbox", OWNER, {})["items"] if i["topic"] == "endpoint.disabled"]
    assert endpoint["id"] not in notice["text"] and receiver.url("/hooks/gone") in notice["text"]

    notifications.hear("studio_rated", studio_envelope("studio.rated", studio_rated(studio_id="std-other")))
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


def test_a_429_waits_what_retry_after_asks_and_a_timeout_at_least_a_minute(notifications, receiver):
    endpoint = subscribed(notifications, receiver, "/hooks/busy")
    receiver.behave("/hooks/busy", status=429, retry_after="7200", times=1)
    notifications.hear("studio_rated", studio_envelope("studio.rated", studio_rated()))
    [throttled] = settled_as(notifications, endpoint, "pending")
    [attempt] = wait_until(lambda: deliveries(notifications, endpoint)[0]["attempts"], 15, message="an attempt")
    assert (attempt["status"], attempt["outcome"]) == (429, "retry")
    waited = instant(deliveries(notifications, endpoint)[0]["next_attempt_at"]) - instant(attempt["at"])
    assert waited >= datetime.timedelta(seconds=7200)

    slow = subscribed(notifications, receiver, "/hooks/slow")
    receiver.behave("/hooks/slow", delay_seconds=3, times=1)  # past the 1 s timeout
    notifications.hear("studio_rated", studio_envelope("studio.rated", studio_rated(studio_id="std-slow")))
    [timed_out] = wait_until(lambda: [d for d in deliveries(notifications, slow) if d["attempts"]], 15,
                             message="an attempt")
    [attempt] = timed_out["attempts"]
    assert attempt["status"] is None and "no answer within" in attempt["error"]
    assert instant(timed_out["next_attempt_at"]) - instant(attempt["at"]) >= datetime.timedelta(seconds=60)


def test_a_rotated_secret_is_shown_once_and_signs_beside_the_previous_one(notifications, receiver):
    endpoint = subscribed(notifications, receiver, "/hooks/rotated")
    rotated = notifications("rotate_secret", OWNER, endpoint["id"])
    assert rotated["secret"] != endpoint["secret"] and rotated["previous_secret_until"] > rotated["created_at"]
    assert "secret" not in notifications("get_endpoint", OWNER, endpoint["id"])
    notifications.hear("studio_rated", studio_envelope("studio.rated", studio_rated()))
    [received] = receiver.wait_for(1, "/hooks/rotated")
    assert received.headers["webhook-signature"].count("v1,") == 2
    for secret in (rotated["secret"], endpoint["secret"]):  # the receiver may switch at its own pace
        Webhook(secret).verify(received.body.encode("utf-8"), received.headers)
    with pytest.raises(Forbidden):  # an admin sees the endpoint, and changes nothing of it
        notifications("rotate_secret", callers.admin(), endpoint["id"])


def test_an_endpoint_failing_too_long_is_disabled_its_owner_told_and_its_messages_replayed(fragile, receiver, smtp):
    fragile("update_subscriber", OWNER, {"email": "hr-admin@example.org", "language": "en"})
    endpoint = subscribed(fragile, receiver, "/hooks/down")
    receiver.behave("/hooks/down", status=503)
    first = studio_envelope("studio.rated", studio_rated())
    fragile.hear("studio_rated", first)
    assert wait_until(lambda: fragile("get_endpoint", OWNER, endpoint["id"])["status"] == "disabled", 15,
                      message="the endpoint disabled")
    [notice] = smtp.wait_for(1)
    assert notice.rcpt_tos == ["hr-admin@example.org"]
    assert notice.message["Subject"] == f"Webhook endpoint disabled: {receiver.url('/hooks/down')}"
    [told] = [i for i in fragile("list_inbox", OWNER, {})["items"] if i["topic"] == "endpoint.disabled"]
    assert told["subject"] == notice.message["Subject"]
    second = studio_envelope("studio.rated", studio_rated(studio_id="std-later"))
    fragile.hear("studio_rated", second)
    # The first held at its retry, the second at once.
    [failed] = [d for d in settled_as(fragile, endpoint, "held", count=2) if d["event_id"] == first["event_id"]]
    health = fragile("endpoints_health", callers.admin())
    assert (health["disabled"], [(e["id"], e["backlog"]) for e in health["unhealthy"]]) == (1, [(endpoint["id"], 2)])
    with pytest.raises(Forbidden):
        fragile("endpoints_health", OWNER)

    with pytest.raises(Conflict):  # in its cooldown
        fragile("enable_endpoint", OWNER, endpoint["id"])
    with pytest.raises(Conflict):  # disabled: nothing is replayed to it
        fragile("replay_delivery", OWNER, endpoint["id"], failed["id"])
    # The cooldown has passed (moved back in the store rather than waited for).
    fragile.store.endpoints.update_one({"_id": endpoint["id"]}, {"$set": {"enable_after": "2000-01-01T00:00:00.000+00:00"}})
    assert fragile("enable_endpoint", OWNER, endpoint["id"])["status"] == "active"
    receiver.behave("/hooks/down", status=200)
    before = len(receiver.received("/hooks/down"))

    again = fragile("replay_delivery", OWNER, endpoint["id"], failed["id"])
    assert again["status"] == "pending"
    [manual] = [d for d in settled_as(fragile, endpoint, "delivered") if d["id"] == failed["id"]]
    assert manual["attempts"][-1]["reason"] == "manual"
    everything = {"since": "2026-01-01T00:00:00+08:00", "until": "2100-01-01T00:00:00+08:00"}
    assert fragile("replay_failed", OWNER, endpoint["id"], everything) == {"replayed": 1, "remaining": 0}
    [replayed] = [d for d in settled_as(fragile, endpoint, "delivered", count=2) if d["id"] != failed["id"]]
    assert replayed["attempts"][-1]["reason"] == "replay" and replayed["event_id"] == second["event_id"]
    ids = [r.headers["webhook-id"] for r in receiver.received("/hooks/down")[before:]]
    assert sorted(ids) == sorted([first["event_id"], second["event_id"]])
    assert fragile("replay_failed", OWNER, endpoint["id"], everything) == {"replayed": 0, "remaining": 0}


def test_replays_are_checked(notifications, receiver):
    endpoint = subscribed(notifications, receiver, "/hooks/checked")
    stranger = callers.reviewer(subject="reviewer-9")
    for payload in ({}, {"since": "yesterday", "until": "2100-01-01T00:00:00Z"},
                    {"since": "2026-12-02T00:00:00", "until": "2100-01-01T00:00:00Z"},  # no offset
                    {"since": "2026-12-02T00:00:00Z", "until": "2026-12-01T00:00:00Z"},
                    {"since": "2026-12-02T00:00:00Z", "until": "2026-12-03T00:00:00Z", "all": True}):
        with pytest.raises(BadRequest):
            notifications("replay_failed", OWNER, endpoint["id"], payload)
    with pytest.raises(NotFound):
        notifications("replay_delivery", OWNER, endpoint["id"], "dlv-missing")
    for method, args in (("replay_delivery", ("dlv-missing",)), ("enable_endpoint", ()), ("rotate_secret", ()),
                         ("replay_failed", ({"since": "2026-12-02T00:00:00Z", "until": "2026-12-03T00:00:00Z"},))):
        with pytest.raises(NotFound):
            notifications(method, stranger, endpoint["id"], *args)
    with pytest.raises(Conflict):  # an active endpoint is not "enabled again"
        notifications("enable_endpoint", OWNER, endpoint["id"])
