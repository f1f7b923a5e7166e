"""Sending the deliveries that are due, webhooks and emails alike, in every instance of the service.

Each run reads the deliveries due and claims each one (``repository.claim_delivery``: its next
attempt moved to the end of a lease, conditioned on the time read), so two instances never send
the same attempt; one that dies mid-attempt leaves the delivery to be claimed again when the lease
ends, with the same ``webhook-id`` (or ``Message-ID``). Claimed deliveries are sent side by side,
each attempt logged on its delivery with why it was made, the next one scheduled
(``domain.delivery.after_attempt``), and a webhook endpoint's health followed: one that is
disabled (a 410, or failing for ``disable_after``) is no longer sent to, its deliveries held for a
replay, and its owner told in their inbox and by email, past every mute.
"""
import datetime
import logging
import random

import eventlet
import requests
from nameko.extensions import DependencyProvider

from common.clock import instant, utc_datetime, utc_now
from common.repository import optimistic
from services.notifications import channels
from services.notifications.endpoints import as_stored, in_times
from services.notifications.domain import delivery as rules
from services.notifications.domain.preferences import EMAIL
from services.notifications.domain.signing import signing_secrets
from services.notifications.domain.templates import ENDPOINT_DISABLED, message_facts, render
from services.notifications.emails import new_email
from services.notifications.inbox import new_item
from services.notifications.settings import Settings, concurrency

BATCH = 1000
_log = logging.getLogger(__name__)


class Sender(DependencyProvider):
    """How an instance sends: its attempts under way, in a pool of ``WEBHOOK_CONCURRENCY``
    places, its HTTP session and its connections to the SMTP server (as many kept open as
    there are places: a connection's set-up costs a receiver as much as a message; requests keeps
    10 by default, so 40 of 50 attempts to one receiver opened a connection only to drop it).

    The pool is filled by the timer's runs, by the handlers that start at once what they fanned
    out, and again by each attempt as it ends, while deliveries are due. Stopping waits for the
    attempts under way (each ends within its timeout) and claims no more; a kill leaves them to
    their leases."""

    def setup(self):
        config = self.container.config
        places = concurrency(config)
        self.pool = eventlet.GreenPool(places)
        self.stopped = self.filling = False
        adapter = requests.adapters.HTTPAdapter(pool_connections=places, pool_maxsize=places)
        self.session = requests.Session()
        for scheme in ("http://", "https://"):
            self.session.mount(scheme, adapter)
        self.mail = channels.SmtpConnections(Settings.smtp_of(config), idle=places)

    def stop(self):
        self.stopped = True
        self.pool.waitall()
        self._close()

    def kill(self):
        self.stopped = True
        for attempt in list(self.pool.coroutines_running):
            attempt.kill()
        self._close()

    def _close(self):
        self.session.close()
        self.mail.close()

    def get_dependency(self, worker_ctx):
        return self


def send_due(store, settings, sender, now=None):
    """Claim as many deliveries due at ``now`` as the ``sender``'s pool has room for, and start
    sending them; how many were claimed.

    Nothing waits for the attempts: one slow receiver holds one place in the pool for at most its
    timeout, not a whole batch, and whatever is claimed starts at once, well within its lease.
    """
    room = 0 if sender.stopped else min(sender.pool.free(), BATCH)
    if not room:
        return 0
    now = now or utc_datetime()
    until = utc_now(now + datetime.timedelta(seconds=settings.lease_seconds))
    claimed = [d["_id"] for d in store.due_deliveries(utc_now(now), room) if store.claim_delivery(d, until)]
    for delivery_id in claimed:
        sender.pool.spawn_n(_attempt, store, settings, sender, now, delivery_id)
    return len(claimed)


def _attempt(store, settings, sender, now, delivery_id):
    try:
        _send(store, settings, sender, now, delivery_id)
    except Exception:  # the store failing, say: the lease ends and the delivery is claimed again
        _log.exception("the attempt of delivery %s failed; it is tried again when its lease ends", delivery_id)
    finally:
        # Its place is free once this returns: fill it with what is due, if anything is; the
        # attempts ending meanwhile leave it to the one filling already.
        if not sender.filling:
            sender.filling = True
            eventlet.spawn_n(_fill, store, settings, sender)


def _fill(store, settings, sender):
    sender.filling = False
    try:
        send_due(store, settings, sender)
    except Exception:  # the store failing, say: the timer's next run tries again
        _log.exception("the deliveries due could not be claimed")


def _send(store, settings, sender, now, delivery_id):
    delivery = store.delivery(delivery_id)
    reason = delivery.get("next_reason") or rules.SCHEDULED
    if delivery.get("channel") == EMAIL:
        mail = channels.email_message(settings.smtp["sender"], delivery["to"], delivery["subject"],
                                      delivery["text"], delivery["event_id"])
        _record(store, settings, delivery, channels.send_email(sender.mail, mail, now, reason), now)
        return
    endpoint = store.endpoint(delivery["endpoint_id"])
    if endpoint["status"] != rules.ACTIVE:
        store.record_attempt(delivery_id, None, {"status": rules.HELD, "next_attempt_at": None})
        return
    secrets = [settings.stored_secrets.open(sealed) for sealed in
               signing_secrets(endpoint["secrets"], instant(endpoint.get("previous_secret_until")), now)]
    attempt = channels.send_webhook(sender.session, endpoint["url"], delivery["event_id"], delivery["body"],
                                    secrets, now, reason, allowed=settings.allowed_networks,
                                    timeout=settings.timeout)
    _record(store, settings, delivery, attempt, now)
    _follow_health(store, settings, endpoint["_id"], attempt, now)


def _record(store, settings, delivery, attempt, now):
    changed = rules.after_attempt(delivery, attempt, now, settings.schedule, random.uniform(-1, 1))
    if changed["next_attempt_at"] is not None:
        changed["next_attempt_at"] = utc_now(changed["next_attempt_at"])
    store.record_attempt(delivery["_id"], {**attempt, "at": utc_now(attempt["at"])}, changed)


@optimistic
def _follow_health(store, settings, endpoint_id, attempt, now):
    endpoint = store.endpoint(endpoint_id)
    changed, disabled = rules.endpoint_after_attempt(
        in_times(endpoint), attempt["outcome"] == rules.DELIVERED, attempt["outcome"] == rules.GONE, now,
        settings.disable_after, settings.cooldown)
    changed = as_stored(changed)
    if changed != endpoint:
        store.save_endpoint(endpoint, changed)
    if disabled:
        _tell_owner(store, changed, now)


def _tell_owner(store, endpoint, now):
    """The owner of a disabled endpoint told in their inbox and by email (if they gave an
    address): a critical message, past any mute."""
    owner = store.subscriber(endpoint["subscriber_id"]) or {"_id": endpoint["subscriber_id"], "language": None}
    facts = message_facts({"url": endpoint["url"], "reason": endpoint["disabled_reason"],
                           "disabled_at": endpoint["disabled_at"], "enable_after": endpoint["enable_after"]})
    message = render(ENDPOINT_DISABLED, owner["language"], facts)
    notice_id = f"{ENDPOINT_DISABLED}:{endpoint['_id']}:{endpoint['disabled_at']}"
    store.add_inbox_item(new_item(notice_id, owner["_id"], ENDPOINT_DISABLED, utc_now(now), message, utc_now(now)))
    if owner.get("email"):
        store.add_delivery(new_email(notice_id, owner, ENDPOINT_DISABLED, message, utc_now(now)))

