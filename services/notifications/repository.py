"""Where the notifications live: one document per subscriber (how they are reached, their
preferences, their role and scope as last seen), per subscription, and per inbox item.

An inbox item's id is made of its event's id and its subscriber's, so that an event delivered
twice, replayed, or heard of through two subscriptions lands once (a unique key, no transaction).
"""
import hashlib

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from common.errors import NotFound
from common.repository import Repository
from common.storage import find_page, read_documents

NEWEST_FIRST = [("occurred_at", DESCENDING), ("_id", ASCENDING)]
BY_CREATION = [("created_at", ASCENDING), ("_id", ASCENDING)]
HEARING_FIELDS = ("_id", "role", "unit", "studio", "language", "preferences")


def subscriber_id_of(subject):
    """A subscriber's id, from the subject of the tokens they call with."""
    return "sbr-" + hashlib.sha256(subject.encode("utf-8")).hexdigest()[:20]


def inbox_item_id(event_id, subscriber_id):
    return "inb-" + hashlib.sha256(f"{event_id}\n{subscriber_id}".encode("utf-8")).hexdigest()[:24]


class NotificationsRepository(Repository):
    def __init__(self, database):
        self.subscribers = database["subscribers"]
        self.subscriptions = database["subscriptions"]
        self.inbox = database["inbox"]
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
        document = self.read(self.subscriptions, subscription_id)
        if document is None:
            raise NotFound(f"no subscription {subscription_id}")
        return document

    def remove_subscription(self, subscription_id):
        self.subscriptions.delete_one({"_id": subscription_id})

    def find_subscriptions(self, subscriber_id, limit, offset):
        return find_page(self.subscriptions, {"subscriber_id": subscriber_id}, BY_CREATION, limit,
                         offset, None)

    def subscriptions_to(self, topic):
        """Every subscription to ``topic``."""
        return list(read_documents(self.subscriptions, {"topics": topic},
                                   ("_id", "subscriber_id", "topics", "filters")))

    # the inbox

    def add_inbox_item(self, item):
        """Store the item; False when it is there already (the same event, heard of again)."""
        try:
            self.insert(self.inbox, item)
        except DuplicateKeyError:
            return False
        return True

    def inbox_item(self, item_id):
        document = self.read(self.inbox, item_id)
        if document is None:
            raise NotFound(f"no inbox item {item_id}")
        return document

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
