"""Sending the webhook deliveries that are due, in every instance of the service.

Each run reads the deliveries due and claims each one (``repository.claim_delivery``: its next
attempt moved to the end of a lease, conditioned on the time read), so two instances never send
the same attempt; one that dies mid-attempt leaves the delivery to be claimed again when the lease
ends, with the same ``webhook-id``. Claimed deliveries are sent side by side, each attempt logged
on its delivery, the next one scheduled (``domain.delivery.after_attempt``), and the endpoint's
health followed: one that is disabled (a 410, or failing for days) is no longer sent to, its
deliveries held for a replay, and its owner told in their inbox, past every mute.
"""
import datetime
import random
from functools import partial

import eventlet

from common.clock import utc_datetime
from common.repository import optimistic
from services.notifications import channels
from services.notifications.domain import delivery as rules
from services.notifications.domain.templates import ENDPOINT_DISABLED, message_facts, render
from services.notifications.inbox import new_item

BATCH = 1000
_TIMES = ("failing_since", "disabled_at", "enable_after")


def _iso(moment):
    return moment.isoformat(timespec="milliseconds")


def send_due(store, settings, session, now=None):
    """Claim and send every delivery due at ``now``; how many were attempted."""
    now = now or utc_datetime()
    due = store.due_deliveries(_iso(now), BATCH)
    until = _iso(now + datetime.timedelta(seconds=settings.lease_seconds))
    claimed = [d["_id"] for d in due if store.claim_delivery(d, until)]
    pool = eventlet.GreenPool(settings.concurrency)
    for _ in pool.imap(partial(_send, store, settings, session, now), claimed):
        pass
    return len(claimed)


def _send(store, settings, session, now, delivery_id):
    delivery = store.delivery(delivery_id)
    endpoint = store.endpoint(delivery["endpoint_id"])
    if endpoint["status"] != rules.ACTIVE:
        store.record_attempt(delivery_id, None, {"status": rules.HELD, "next_attempt_at": None})
        return
    attempt = channels.send_webhook(session, endpoint["url"], delivery["event_id"], delivery["body"],
                                    endpoint["secrets"], now, allowed=settings.allowed_networks,
                                    timeout=settings.timeout)
    changed = rules.after_attempt(delivery, attempt, now, settings.schedule, random.uniform(-1, 1))
    if changed["next_attempt_at"] is not None:
        changed["next_attempt_at"] = _iso(changed["next_attempt_at"])
    store.record_attempt(delivery_id, {**attempt, "at": _iso(attempt["at"])}, changed)
    _follow_health(store, endpoint["_id"], attempt, now)


@optimistic
def _follow_health(store, endpoint_id, attempt, now):
    endpoint = store.endpoint(endpoint_id)
    as_times = {**endpoint, **{key: _datetime(endpoint.get(key)) for key in _TIMES}}
    changed, disabled = rules.endpoint_after_attempt(as_times, attempt["outcome"] == rules.DELIVERED,
                                                     attempt["outcome"] == rules.GONE, now)
    changed = {**changed, **{key: _iso(changed[key]) if changed.get(key) else None for key in _TIMES}}
    if changed != endpoint:
        store.save_endpoint(endpoint, changed)
    if disabled:
        _tell_owner(store, changed, now)


def _tell_owner(store, endpoint, now):
    """The owner of a disabled endpoint told in their inbox: a critical message, past any mute."""
    owner = store.subscriber(endpoint["subscriber_id"]) or {"language": None}
    facts = message_facts({"url": endpoint["url"], "reason": endpoint["disabled_reason"],
                           "disabled_at": endpoint["disabled_at"], "enable_after": endpoint["enable_after"]})
    store.add_inbox_item(new_item(f"{ENDPOINT_DISABLED}:{endpoint['_id']}:{endpoint['disabled_at']}",
                                  endpoint["subscriber_id"], ENDPOINT_DISABLED, _iso(now),
                                  render(ENDPOINT_DISABLED, owner["language"], facts), _iso(now)))


def _datetime(value):
    return datetime.datetime.fromisoformat(value) if value else None
