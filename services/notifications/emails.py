"""The email channel: a message, a digest or a notice to its owner becomes an email delivery,
sent, retried and logged like a webhook's (``deliveries.py``); its subscriber reads the log.

An email's id is made of the message's id and its subscriber's, so a message heard of twice is
mailed once; the ``Message-ID`` header comes from the message's id, the same on every attempt.
"""
from common.schemas import page
from common.validation import load
from services.notifications.api import PageQuery
from services.notifications.domain.delivery import PENDING
from services.notifications.domain.preferences import EMAIL
from services.notifications.repository import delivery_id, subscriber_id_of
from services.notifications.views import email_view


def new_email(message_id, subscriber, topic, message, now):
    """The email delivery of ``message`` (rendered: subject, text, language) to ``subscriber``'s
    address, due at once."""
    return {"_id": delivery_id(message_id, f"{EMAIL}:{subscriber['_id']}"), "channel": EMAIL,
            "subscriber_id": subscriber["_id"], "event_id": message_id, "topic": topic,
            "to": subscriber["email"], **message, "status": PENDING, "failed_attempts": 0,
            "attempts": [], "created_at": now, "next_attempt_at": now}


def list_emails(store, caller, query):
    """The caller's emails, newest first, each with every attempt to send it."""
    query = load(PageQuery(), query or {})
    condition = {"channel": EMAIL, "subscriber_id": subscriber_id_of(caller.subject)}
    total, found = store.find_deliveries(condition, query["limit"], query["offset"])
    return page((email_view(d) for d in found), total, query)
