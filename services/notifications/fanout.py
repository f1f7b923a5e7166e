"""What subscribers hear of: each event the other services publish, fanned out to every
subscriber whose subscriptions ask for it and who may hear of it: an item in their inbox,
rendered in their language, and a webhook delivery to each endpoint of theirs the subscriptions
name (sent by ``deliveries.py``).

Fanning out is idempotent: an item's id is its event's and its subscriber's, a delivery's its
event's and its endpoint's, so a redelivered or replayed event, or one that two subscriptions ask
for, lands once; a fan-out stopped half way is finished by the redelivery.
"""
from common.clock import utc_now
from services.notifications import access, events
from services.notifications.domain.delivery import ACTIVE, HELD, PENDING
from services.notifications.domain.preferences import channels_for
from services.notifications.domain.signing import webhook_body
from services.notifications.domain.subscriptions import matches
from services.notifications.domain.templates import message_facts, render
from services.notifications.inbox import new_item
from services.notifications.repository import delivery_id

INBOX, WEBHOOK = "inbox", "webhook"


def hear(store, envelope):
    """Fan ``envelope``'s event out; how many inbox items and deliveries were added."""
    topic, data = events.read(envelope)
    subscriptions = [s for s in store.subscriptions_to(topic) if matches(s, topic, data)]
    subscribers = store.hearing(s["subscriber_id"] for s in subscriptions)
    facts, added, now = message_facts(data), 0, utc_now()
    body = webhook_body(topic, envelope["occurred_at"], data)
    for subscriber_id in sorted({s["subscriber_id"] for s in subscriptions}):
        subscriber = subscribers.get(subscriber_id)
        if subscriber is None or not access.may_hear(subscriber, topic, data):
            continue
        # The inbox shows at once what a digest would tell by email.
        at_once, in_digest = channels_for(subscriber["preferences"], topic, [INBOX, WEBHOOK])
        if INBOX in at_once + in_digest:
            added += store.add_inbox_item(new_item(
                envelope["event_id"], subscriber_id, topic, envelope["occurred_at"],
                render(topic, subscriber["language"], facts), now))
        named = {e for s in subscriptions if s["subscriber_id"] == subscriber_id for e in s.get("endpoint_ids", ())}
        if WEBHOOK not in at_once or not named:  # no endpoint to read for those who named none
            continue
        for endpoint in store.endpoints_of(subscriber_id):
            if endpoint["_id"] in named:
                added += store.add_delivery(_delivery(envelope, topic, body, endpoint, now))
    return added


def _delivery(envelope, topic, body, endpoint, now):
    active = endpoint["status"] == ACTIVE
    delivery = {"_id": delivery_id(envelope["event_id"], endpoint["_id"]), "endpoint_id": endpoint["_id"],
                "subscriber_id": endpoint["subscriber_id"], "event_id": envelope["event_id"],
                "topic": topic, "body": body, "status": PENDING if active else HELD,
                "failed_attempts": 0, "attempts": [], "created_at": now}
    if active:  # one of a disabled endpoint waits, kept, for a replay
        delivery["next_attempt_at"] = now
    return delivery
