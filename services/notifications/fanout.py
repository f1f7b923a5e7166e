"""What subscribers hear of: each event the other services publish, fanned out to every
subscriber whose subscriptions ask for it and who may hear of it, on the channels those
subscriptions name and their preferences leave open: an item in their inbox and an email, each
rendered in their language (or the email held for their digest, ``digests.py``), and a webhook
delivery to each endpoint of theirs the subscriptions name (emails and webhooks are sent by
``deliveries.py``).

Fanning out is idempotent: an item's id is its event's and its subscriber's, a delivery's its
event's and its endpoint's (or its subscriber's, for an email), so a redelivered or replayed
event, or one that two subscriptions ask for, lands once; a fan-out stopped half way is finished
by the redelivery.
"""
from common.clock import utc_datetime, utc_now
from services.notifications import access, digests, events
from services.notifications.domain.delivery import ACTIVE, HELD, PENDING
from services.notifications.domain.preferences import EMAIL, INBOX, WEBHOOK, channels_for
from services.notifications.domain.signing import webhook_body
from services.notifications.domain.subscriptions import matches
from services.notifications.domain.templates import message_facts, render
from services.notifications.emails import new_email
from services.notifications.inbox import new_item
from services.notifications.repository import delivery_id
from services.notifications.views import subscription_channels


def hear(store, settings, envelope):
    """Fan ``envelope``'s event out; how many inbox items, digest entries and deliveries were added."""
    topic, data = events.read(envelope)
    subscriptions = [s for s in store.subscriptions_to(topic) if matches(s, topic, data)]
    subscribers = store.hearing(s["subscriber_id"] for s in subscriptions)
    facts, added, moment = message_facts(data), 0, utc_datetime()
    now, event_id, body = utc_now(moment), envelope["event_id"], None
    for subscriber_id in sorted({s["subscriber_id"] for s in subscriptions}):
        subscriber = subscribers.get(subscriber_id)
        if subscriber is None or not access.may_hear(subscriber, topic, data):
            continue
        theirs = [s for s in subscriptions if s["subscriber_id"] == subscriber_id]
        named = {e for s in theirs for e in s.get("endpoint_ids", ())}
        asked = {c for s in theirs for c in subscription_channels(s)} | ({WEBHOOK} if named else set())
        at_once, in_digest = channels_for(subscriber["preferences"], topic, sorted(asked))
        message = render(topic, subscriber["language"], facts) if {INBOX, EMAIL} & {*at_once, *in_digest} else None
        # The inbox shows at once what a digest tells by email.
        if INBOX in at_once or INBOX in in_digest:
            added += store.add_inbox_item(new_item(event_id, subscriber_id, topic, envelope["occurred_at"],
                                                   message, now))
        if subscriber.get("email") and EMAIL in at_once:
            added += store.add_delivery(new_email(event_id, subscriber, topic, message, now))
        elif subscriber.get("email") and EMAIL in in_digest:
            added += store.add_digest_entry(digests.new_entry(event_id, subscriber_id, topic,
                                                              envelope["occurred_at"], message, moment,
                                                              settings.digest_hour))
        if WEBHOOK not in at_once:  # no endpoint to read for those who named none
            continue
        body = body or webhook_body(topic, envelope["occurred_at"], data)
        for endpoint in store.endpoints_of(subscriber_id):
            if endpoint["_id"] in named:
                added += store.add_delivery(_delivery(envelope, topic, body, endpoint, now))
    return added


def _delivery(envelope, topic, body, endpoint, now):
    active = endpoint["status"] == ACTIVE
    delivery = {"_id": delivery_id(envelope["event_id"], endpoint["_id"]), "channel": WEBHOOK,
                "endpoint_id": endpoint["_id"], "subscriber_id": endpoint["subscriber_id"],
                "event_id": envelope["event_id"], "topic": topic, "body": body,
                "status": PENDING if active else HELD, "failed_attempts": 0, "attempts": [],
                "created_at": now}
    if active:  # one of a disabled endpoint waits, kept, for a replay
        delivery["next_attempt_at"] = now
    return delivery
