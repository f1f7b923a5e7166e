"""Subscribers, their subscriptions and their preferences: each caller manages only their own.

A subscriber is the caller; their document keeps how they are reached and, refreshed at each of
their calls, the role and scope their token gave, which decide what they hear of (access.py).
"""
from common.clock import utc_now
from common.errors import BadRequest
from common.ids import new_id
from common.schemas import page
from common.validation import load
from services.notifications import access
from services.notifications.api import (PageQuery, PreferencesSchema, SubscriberSchema,
                                        SubscriptionSchema)
from services.notifications.domain.preferences import NOTHING, check_preferences
from services.notifications.domain.preferences import EMAIL
from services.notifications.domain.subscriptions import check_subscription
from services.notifications.domain.templates import DEFAULT_LANGUAGE
from services.notifications.repository import subscriber_id_of
from services.notifications.views import (subscriber_view, subscription_view, topic_views)


def as_seen(store, caller):
    """The caller's subscriber document, its role and scope as this call shows them (not stored)."""
    subscriber_id = subscriber_id_of(caller.subject)
    known = store.subscriber(subscriber_id) or {
        "_id": subscriber_id, "language": DEFAULT_LANGUAGE, "email": None,
        "preferences": NOTHING, "created_at": utc_now()}
    return {**known, "subject": caller.subject, "role": caller.role, "unit": caller.unit,
            "studio": caller.studio, "name": caller.name}


def list_topics():
    return topic_views()


def get_subscriber(store, caller):
    return subscriber_view(as_seen(store, caller))


def update_subscriber(store, caller, payload):
    data = load(SubscriberSchema(), payload)
    return subscriber_view(store.save_subscriber({**as_seen(store, caller), **data}))


def set_preferences(store, caller, payload):
    preferences = check_preferences(load(PreferencesSchema(), payload))
    return subscriber_view(store.save_subscriber({**as_seen(store, caller), "preferences": preferences}))


def subscribe(store, caller, payload):
    data = load(SubscriptionSchema(), payload)
    topics, filters = check_subscription(data["topics"], data["filters"])
    subscriber = as_seen(store, caller)
    access.require_may_subscribe(subscriber, topics)
    endpoint_ids, channels = sorted(set(data["endpoint_ids"])), sorted(set(data["channels"]))
    access.require_own_endpoints(store.endpoints_of(subscriber["_id"]), endpoint_ids)
    _require_reachable(subscriber, channels, endpoint_ids)
    store.save_subscriber(subscriber)
    subscription = {"_id": new_id("sub"), "subscriber_id": subscriber["_id"], "topics": topics,
                    "filters": filters, "channels": channels, "endpoint_ids": endpoint_ids,
                    "created_at": utc_now()}
    return subscription_view(store.add_subscription(subscription))


def _require_reachable(subscriber, channels, endpoint_ids):
    """400 for a subscription that reaches nobody: no channel, or email with no address."""
    if not channels and not endpoint_ids:
        raise BadRequest("the subscription names no channel", {
            "channels": ["name inbox or email, or webhook endpoints in endpoint_ids"]})
    if EMAIL in channels and not subscriber.get("email"):
        raise BadRequest("there is no email address to send to", {
            "channels": ["give an email with PUT /subscriber first"]})


def _own_subscription(store, caller, subscription_id):
    return access.require_own(caller, store.subscription(subscription_id),
                              f"no subscription {subscription_id}")


def get_subscription(store, caller, subscription_id):
    return subscription_view(_own_subscription(store, caller, subscription_id))


def unsubscribe(store, caller, subscription_id):
    _own_subscription(store, caller, subscription_id)
    store.remove_subscription(subscription_id)


def list_subscriptions(store, caller, query):
    query = load(PageQuery(), query or {})
    total, found = store.find_subscriptions(subscriber_id_of(caller.subject), query["limit"], query["offset"])
    return page((subscription_view(s) for s in found), total, query)
