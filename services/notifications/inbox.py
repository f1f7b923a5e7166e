"""The in-app inbox, which its owner reads and marks read (``fanout.py`` fills it)."""
from common.clock import utc_now
from common.schemas import page
from common.validation import load
from services.notifications import access
from services.notifications.api import InboxQuerySchema
from services.notifications.repository import inbox_item_id, subscriber_id_of
from services.notifications.views import inbox_item_view

def new_item(event_id, subscriber_id, topic, occurred_at, message, now):
    """An inbox item: its id is its event's and its subscriber's, so it lands once."""
    return {"_id": inbox_item_id(event_id, subscriber_id), "subscriber_id": subscriber_id,
            "topic": topic, "event_id": event_id, "occurred_at": occurred_at, "received_at": now,
            "read_at": None, **message}


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
