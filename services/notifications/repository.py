"""Where the notifications live: one document per subscriber (how they are reached, their
preferences, their role and scope as last seen), per subscription, per inbox item, per webhook
endpoint (its target, secrets and health), per delivery (a webhook's or an email's: what it sends,
its status, next attempt and every attempt so far) and per message waiting for a digest.

An inbox item's id is made of its event's id and its subscriber's, a delivery's of its event's
and its endpoint's, so that an event delivered twice, replayed, or heard of through two
subscriptions lands once (a unique key, no transaction). A delivery is claimed by moving its
``next_attempt_at`` to the end of a lease, conditioned on the value read: of two instances that
read it due, one claims it; if that one dies, the lease ends and it is due again.
"""
import hashlib

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from common.errors import NotFound
from common.repository import Repository
from common.storage import find_page, read_documents, read_lowest
from services.notifications.domain.delivery import FAILED, HELD, PENDING

NEWEST_FIRST = [("occurred_at", DESCENDING), ("_id", ASCENDING)]
BY_CREATION = [("created_at", ASCENDING), ("_id", ASCENDING)]
NEWEST_CREATED = [("created_at", DESCENDING), ("_id", ASCENDING)]
HEARING_FIELDS = ("_id", "role", "unit", "studio", "language", "email", "preferences")


def subscriber_id_of(subject):
    """A subscriber's id, from the subject of the tokens they call with."""
    return "sbr-" + hashlib.sha256(subject.encode("utf-8")).hexdigest()[:20]


def inbox_item_id(event_id, subscriber_id):
    return "inb-" + hashlib.sha256(f"{event_id}\n{subscriber_id}".encode("utf-8")).hexdigest()[:24]


def delivery_id(event_id, endpoint_id):
    return "dlv-" + hashlib.sha256(f"{event_id}\n{endpoint_id}".encode("utf-8")).hexdigest()[:24]


class NotificationsRepository(Repository):
    def __init__(self, database):
        self.subscribers = database["subscribers"]
        self.subscriptions = database["subscriptions"]
        self.inbox = database["inbox"]
        self.endpoints = database["endpoints"]
        self.deliveries = database["deliveries"]
        self.digest_entries = database["digest_entries"]
        self.endpoints.create_index("subscriber_id")
        self.deliveries.create_index("endpoint_id")
        self.deliveries.create_index("subscriber_id")
        self.digest_entries.create_index("due_at")
        self.deliveries.create_index("next_attempt_at", sparse=True)
        self.subscriptions.create_index("topics")
        self.subscriptions.create_index("subscriber_id")
        self.inbox.create_index("subscriber_id")
        super().__init__(database)

    # subscribers

    def subscriber(self, subscriber_id):
        """The subscriber, or None when they have never been seen."""
        return self.read(self.subscribers, subscriber_id)

    def save_subscriber(self, subscriber):
        """Store the subscriber as it is now (a subscriber changes only their own document)."""
        self.subscribers.replace_one({"_id": subscriber["_id"]}, subscriber, upsert=True)
        return subscriber

    def hearing(self, subscriber_ids):
        """``{id: what hearing of an event reads of the subscriber}`` for ``subscriber_ids``."""
        return {s["_id"]: s for s in read_documents(
            self.subscribers, {"_id": {"$in": sorted(set(subscriber_ids))}}, HEARING_FIELDS)}

    # subscriptions

    def add_subscription(self, subscription):
        return self.insert(self.subscriptions, subscription)

    def subscription(self, subscription_id):
        return self._found(self.subscriptions, subscription_id, "subscription")

    def remove_subscription(self, subscription_id):
        self.subscriptions.delete_one({"_id": subscription_id})

    def find_subscriptions(self, subscriber_id, limit, offset):
        return find_page(self.subscriptions, {"subscriber_id": subscriber_id}, BY_CREATION, limit,
                         offset, None)

    def subscriptions_to(self, topic):
        """Every subscription to ``topic``."""
        return list(read_documents(self.subscriptions, {"topics": topic},
                                   ("_id", "subscriber_id", "topics", "filters", "channels", "endpoint_ids")))

    # the inbox

    def add_inbox_item(self, item):
        """Store the item; False when it is there already (the same event, heard of again)."""
        return self._insert_once(self.inbox, item)

    def inbox_item(self, item_id):
        return self._found(self.inbox, item_id, "inbox item")

    def mark_read(self, item_id, read_at):
        """The item read at ``read_at``, unless it was read before (its first reading stays)."""
        self.update(self.inbox, {"_id": item_id, "read_at": None}, {"$set": {"read_at": read_at}})
        return self.inbox_item(item_id)

    def find_inbox(self, subscriber_id, unread, limit, offset):
        condition = {"subscriber_id": subscriber_id}
        if unread:
            condition["read_at"] = None
        return find_page(self.inbox, condition, NEWEST_FIRST, limit, offset, None)

    def unread_count(self, subscriber_id):
        return sum(1 for _ in read_documents(self.inbox, {"subscriber_id": subscriber_id, "read_at": None},
                                             ("_id",)))

    # webhook endpoints

    def add_endpoint(self, endpoint):
        return self.insert(self.endpoints, endpoint)

    def endpoint(self, endpoint_id):
        return self._found(self.endpoints, endpoint_id, "webhook endpoint")

    def endpoints_of(self, subscriber_id):
        return list(read_documents(self.endpoints, {"subscriber_id": subscriber_id},
                                   ("_id", "subscriber_id", "status")))

    def endpoints_health(self):
        """Every endpoint's id and health, for the admins' view."""
        return list(read_documents(self.endpoints, {}, ("_id", "status", "failing_since")))

    def find_endpoints(self, condition, limit, offset):
        return find_page(self.endpoints, condition, BY_CREATION, limit, offset, {"secrets": 0})

    def save_endpoint(self, current, endpoint):
        return self.save_revision(self.endpoints, current, endpoint, returning=False)

    # deliveries, by webhook or email

    def add_delivery(self, delivery):
        """Store the delivery; False when it is there already (the same event, again)."""
        return self._insert_once(self.deliveries, delivery)

    def delivery(self, delivery_id):
        return self._found(self.deliveries, delivery_id, "delivery")

    def due_deliveries(self, now, limit):
        """Deliveries whose next attempt is due at ``now`` (ISO), the longest waiting first."""
        return read_lowest(self.deliveries, "next_attempt_at", now, limit, ("_id", "next_attempt_at"))

    def claim_delivery(self, due, until):
        """Whether this caller claimed the delivery ``due`` (as read) until ``until``."""
        return self.update(self.deliveries, {"_id": due["_id"], "next_attempt_at": due["next_attempt_at"]},
                           {"$set": {"next_attempt_at": until}})

    def record_attempt(self, delivery_id, attempt, changed):
        """The attempt (if one was made) logged on the delivery with what it changed (a delivery no longer due
        loses its ``next_attempt_at``, and leaves the index of those due)."""
        update = {} if attempt is None else {"$push": {"attempts": attempt}}
        kept = {key: value for key, value in changed.items() if value is not None}
        if kept:
            update["$set"] = kept
        gone = [key for key, value in changed.items() if value is None]
        if gone:
            update["$unset"] = {key: "" for key in gone}
        self.update(self.deliveries, {"_id": delivery_id}, update)

    def find_deliveries(self, condition, limit, offset):
        return find_page(self.deliveries, condition, NEWEST_CREATED, limit, offset, {"body": 0, "text": 0})

    def backlog(self, endpoint_id):
        """How many of the endpoint's messages wait: to be sent, or held while it is disabled."""
        return sum(1 for _ in read_documents(
            self.deliveries, {"endpoint_id": endpoint_id, "status": {"$in": [PENDING, HELD]}}, ("_id",)))

    def replayable(self, endpoint_id, since, until, limit):
        """The endpoint's failed and held deliveries made in [since, until), oldest first, at most
        ``limit`` of them, and how many more there are."""
        found = sorted(read_documents(
            self.deliveries, {"endpoint_id": endpoint_id, "status": {"$in": [FAILED, HELD]},
                              "created_at": {"$gte": since, "$lt": until}},
            ("_id", "status", "created_at", "next_attempt_at")), key=lambda d: (d["created_at"], d["_id"]))
        return found[:limit], max(len(found) - limit, 0)

    def replay(self, delivery, changed):
        """``changed`` applied to the delivery unless it changed since it was read (an attempt
        under way, or another replay); whether it was."""
        return self.update(self.deliveries, {"_id": delivery["_id"], "status": delivery["status"],
                                             "next_attempt_at": delivery.get("next_attempt_at")},
                           {"$set": changed})

    # messages waiting for a digest

    def add_digest_entry(self, entry):
        """Store the entry; False when it waits already (the same event, heard of again)."""
        return self._insert_once(self.digest_entries, entry)

    def due_digest_entries(self, now):
        """Every entry whose digest is due at ``now`` (ISO)."""
        return list(read_documents(self.digest_entries, {"due_at": {"$lte": now}},
                                   ("_id", "subscriber_id", "due_at", "occurred_at", "subject")))

    def remove_digest_entries(self, entry_ids):
        self.digest_entries.delete_many({"_id": {"$in": list(entry_ids)}})

    def _found(self, collection, document_id, what):
        document = self.read(collection, document_id)
        if document is None:
            raise NotFound(f"no {what} {document_id}")
        return document

    def _insert_once(self, collection, document):
        """Insert ``document``; False when its id is stored already (what made it came again)."""
        try:
            self.insert(collection, document)
        except DuplicateKeyError:
            return False
        return True
