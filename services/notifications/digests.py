"""Digests: the messages of a topic a subscriber asked to be told of in a digest wait, and one
email tells them all once a day (at ``DIGEST_HOUR`` o'clock Beijing time, 18:00 by default).

A waiting message is an entry, its id its event's and its subscriber's (heard of twice, it waits
once), due at the next digest hour after it came. A timer in every instance gathers the entries
due, per subscriber and hour, into one email delivery whose id is made of the entries it tells:
of two instances that gather the same entries, one stores the email (a unique key) and the other
finds it there, so a digest goes out once; an entry that came late has a digest of its own rather
than being lost. Entries are removed once their email is stored. Entries are gathered a minute
after they are due, so that a fan-out running across the hour has finished.
"""
import collections
import datetime
import hashlib

from common.clock import utc_datetime, utc_now
from services.notifications.domain.preferences import next_digest_at
from services.notifications.domain.templates import DIGEST, digest_facts, render
from services.notifications.emails import new_email

GRACE = datetime.timedelta(minutes=1)


def digest_entry_id(event_id, subscriber_id):
    return "dge-" + hashlib.sha256(f"{event_id}\n{subscriber_id}".encode("utf-8")).hexdigest()[:24]


def new_entry(event_id, subscriber_id, topic, occurred_at, message, now, hour):
    """A message waiting for ``subscriber_id``'s next digest (``now``: an aware datetime)."""
    return {"_id": digest_entry_id(event_id, subscriber_id), "subscriber_id": subscriber_id,
            "topic": topic, "event_id": event_id, "occurred_at": occurred_at,
            "subject": message["subject"], "due_at": utc_now(next_digest_at(now, hour))}


def send_due(store, now=None):
    """Gather every entry due at ``now`` into its subscriber's digest email; how many were stored."""
    now = now or utc_datetime()
    gathered = collections.defaultdict(list)
    for entry in store.due_digest_entries(utc_now(now - GRACE)):
        gathered[entry["subscriber_id"], entry["due_at"]].append(entry)
    stored = 0
    for (subscriber_id, due_at), entries in sorted(gathered.items()):
        subscriber = store.subscriber(subscriber_id)
        if subscriber and subscriber.get("email"):  # one who took their address back gets none
            entries.sort(key=lambda e: (e["occurred_at"], e["_id"]))
            message = render(DIGEST, subscriber["language"], digest_facts(entries, due_at))
            stored += store.add_delivery(new_email(_digest_id(subscriber_id, entries), subscriber,
                                                   DIGEST, message, utc_now(now)))
        store.remove_digest_entries([e["_id"] for e in entries])
    return stored


def _digest_id(subscriber_id, entries):
    told = "\n".join([subscriber_id, *sorted(e["_id"] for e in entries)])
    return "dgs-" + hashlib.sha256(told.encode("utf-8")).hexdigest()[:24]

