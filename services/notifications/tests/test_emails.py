"""Emails from the notifications service in a real container on the real broker, to a real SMTP
server in its own process: a subscriber who asked for email gets each message once, in their
language, a 4xx from the server is retried and a 5xx is final, every attempt logged; a busy
topic waits for the day's digest, which goes out once however often it is gathered."""
import datetime

import pytest

from common.clock import instant
from common.errors import BadRequest
from common.testing import callers
from common.testing.contracts import studio_envelope, studio_rated
from common.testing.services import ServiceUnderTest
from common.testing.waiting import wait_until
from services.notifications import deliveries, digests
from services.notifications.settings import Settings
from services.notifications.service import NotificationsService

TOPIC = "studio.rated"


@pytest.fixture
def notifications(container_factory, service_config, smtp):
    return ServiceUnderTest(container_factory, NotificationsService, {
        **service_config, "EVENT_RETRY_DELAYS": [0.1, 0.2], "WEBHOOK_RETRY_SCHEDULE": [0.2, 0.2],
        "SMTP": {"host": smtp.host, "port": smtp.port, "sender": "tongzhi@jiangxin.example", "timeout": 5}})


def reader(notifications, subject, email, **preferences):
    """A reviewer who gave ``email`` and subscribed to studios rated by inbox and email."""
    caller = callers.reviewer(subject=subject)
    notifications("update_subscriber", caller, {"email": email})
    if preferences:
        notifications("set_preferences", caller, preferences)
    notifications("subscribe", caller, {"topics": [TOPIC], "channels": ["inbox", "email"]})
    return caller


def mails_to(smtp, address):
    return [m for m in smtp.messages() if m.rcpt_tos == [address]]


def emails_settled(notifications, caller, status, count=1):
    def found():
        matching = [e for e in notifications("list_emails", caller, {})["items"] if e["status"] == status]
        return matching if len(matching) >= count else None
    return wait_until(found, 15, message=f"{count} emails {status}")


def test_an_email_arrives_once_in_the_subscribers_language_and_is_logged(notifications, smtp):
    caller = reader(notifications, "reviewer-mail", "wangjianguo@example.org")
    event = studio_envelope(TOPIC, studio_rated())
    notifications.hear("studio_rated", event)
    notifications.hear("studio_rated", event)  # delivered twice by the broker: mailed once

    [logged] = emails_settled(notifications, caller, "delivered")
    [mail] = mails_to(smtp, "wangjianguo@example.org")
    assert mail.message["Subject"] == "王建国劳模创新工作室评定为4星级"
    assert mail.message["From"] == "tongzhi@jiangxin.example"
    assert mail.message["Message-ID"] == f"<{event['event_id']}@jiangxin>"
    assert "4星级" in mail.message.get_content()
    assert logged["to"] == "wangjianguo@example.org" and logged["event_id"] == event["event_id"]
    assert [(a["status"], a["outcome"], a["reason"]) for a in logged["attempts"]] == [(250, "delivered", "scheduled")]
    assert notifications("list_inbox", caller, {})["total"] == 1


def test_a_4xx_is_retried_and_a_5xx_is_final(notifications, smtp):
    caller = reader(notifications, "reviewer-retry", "lisi@example.org")
    smtp.behave(451, "greylisted, try again later", times=1)
    notifications.hear("studio_rated", studio_envelope(TOPIC, studio_rated()))
    [retried] = emails_settled(notifications, caller, "delivered")
    assert [(a["status"], a["outcome"]) for a in retried["attempts"]] == [(451, "retry"), (250, "delivered")]
    assert "greylisted" in retried["attempts"][0]["error"]

    smtp.behave(550, "no such mailbox", times=1, at="RCPT")
    notifications.hear("studio_rated", studio_envelope(TOPIC, studio_rated(studio_id="std-other")))
    [final] = emails_settled(notifications, caller, "failed")
    assert [(a["status"], a["outcome"]) for a in final["attempts"]] == [(550, "failed")]
    assert final["next_attempt_at"] is None
    assert len(mails_to(smtp, "lisi@example.org")) == 1


def test_email_needs_an_address_and_a_subscription_needs_a_channel(notifications):
    caller = callers.reviewer(subject="reviewer-no-mail")
    for payload, field in (({"topics": [TOPIC], "channels": ["email"]}, "channels"),
                           ({"topics": [TOPIC], "channels": []}, "channels"),
                           ({"topics": [TOPIC], "channels": ["sms"]}, "channels")):
        with pytest.raises(BadRequest) as refused:
            notifications("subscribe", caller, payload)
        assert field in str(refused.value.fields)
    assert notifications("list_subscriptions", caller, {})["total"] == 0


def test_a_digest_topic_waits_for_the_days_digest_which_goes_out_once(notifications, smtp):
    caller = reader(notifications, "reviewer-digest", "digest@example.org",
                    topics={TOPIC: {"digest": "daily"}})
    events = [studio_envelope(TOPIC, studio_rated(studio_id=f"std-{n}")) for n in range(3)]
    for event in events:
        notifications.hear("studio_rated", event)
    store = notifications.store
    assert notifications("list_inbox", caller, {})["total"] == 3  # the inbox shows them at once
    waiting = store.due_digest_entries("9999")
    assert len(waiting) == 3 and notifications("list_emails", caller, {})["total"] == 0
    due_at = instant(waiting[0]["due_at"])
    assert due_at.astimezone(datetime.timezone(datetime.timedelta(hours=8))).hour == 18
    assert digests.send_due(store, due_at - datetime.timedelta(seconds=1)) == 0  # not yet

    after = due_at + digests.GRACE
    assert digests.send_due(store, after) == 1
    # Gathered again as if the instance that stored it had died before removing its entries
    # (or a second instance read them meanwhile): the digest is not stored twice.
    for entry in waiting:
        store.add_digest_entry(entry)
    assert digests.send_due(store, after) == 0 and store.due_digest_entries("9999") == []

    # Sent as the sender would send it at that time (the test does not wait for 18:00).
    assert deliveries.send_due(store, notifications.extension(Settings), notifications.extension(deliveries.Sender),
                               after) == 1
    [logged] = emails_settled(notifications, caller, "delivered")
    [mail] = mails_to(smtp, "digest@example.org")
    assert mail.message["Subject"].startswith("消息摘要") and mail.message["Subject"].endswith("3条")
    assert mail.message.get_content().count("王建国劳模创新工作室评定为4星级") == 3
    assert logged["topic"] == "digest"
