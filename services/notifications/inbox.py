"""What subscribers hear of: each event the other services publish, fanned out to the inboxes of
the subscribers whose subscriptions ask for it and who may hear of it, rendered in their
language; and the inbox itself, which its owner reads and marks read.

Fanning out is idempotent: an item's id is its event's and its subscriber's, so a redelivered or
replayed event, or one that two subscriptions ask for, lands once; a fan-out stopped half way is
finished by the redelivery.
"""
from common.clock import utc_now
from common.schemas import page
from common.validation import load
from services.notifications import access, events
from services.notifications.api import InboxQuerySchema
from services.notifications.domain.preferences import channels_for
from services.notifications.domain.subscriptions import matches
from services.notifications.domain.templates import message_facts, render
from services.notifications.repository import inbox_item_id, subscriber_id_of
from services.notifications.views import inbox_item_view

INBOX = "inbox"


def hear(store, envelope):
    """Put ``envelope``'s event in the inbox of every subscriber who asked for it and may hear
    of it; how many items were added."""
    topic, data = events.read(envelope)
    subscriptions = [s for s in store.subscriptions_to(topic) if matches(s, topic, data)]
    subscribers = store.hearing(s["subscriber_id"] for s in subscriptions)
    facts, added, now = message_facts(data), 0, utc_now()
    for subscriber_id in sorted({s["subscriber_id"] for s in subscriptions}):
        subscriber = subscribers.get(subscriber_id)
        if subscriber is None or not access.may_hear(subscriber, topic, data):
            continue
        at_once, in_digest = channels_for(subscriber["preferences"], topic, [INBOX])
        if INBOX not in at_once + in_digest:  # muted; a digest tells by email what the inbox shows
            continue
        message = render(topic, subscriber["language"], facts)
        added += store.add_inbox_item({
            "_id": inbox_item_id(envelope["event_id"], subscriber_id), "subscriber_id": subscriber_id,
            "topic": topic, "event_id": envelope["event_id"], "occurred_at": envelope["occurred_at"],
            "received_at": now, "read_at": None, **message})
    return added


def list_inbox(store, caller, query):
    query = load(InboxQuerySchema(), query or {})
    total, found = store.find_inbox(subscriber_id_of(caller.subject), query["unread"], query["limit"],
                                    query["offset"])
    return page((inbox_item_view(item) for item in found), total, query)


def unread(store, caller):
    return {"unread": store.unread_count(subscriber_id_of(caller.subject))}


def mark_read(store, caller, item_id):
    access.require_own(caller, store.inbox_item(item_id), f"no inbox item {item_id}")
    return inbox_item_view(store.mark_read(item_id, utc_now()))
