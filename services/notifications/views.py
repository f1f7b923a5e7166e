"""Stored documents shaped for the api's response schemas."""
from services.notifications.domain.topics import TOPICS


def topic_views():
    return {"items": [{"topic": topic, "name_zh": t.name_zh, "name_en": t.name_en,
                       "filters": sorted(t.fields)} for topic, t in TOPICS.items()]}


def subscriber_view(subscriber):
    return {"id": subscriber["_id"], **{key: subscriber.get(key) for key in (
        "role", "unit", "studio", "language", "email", "preferences")}}


def subscription_view(subscription):
    return {"id": subscription["_id"], "topics": subscription["topics"],
            "filters": subscription["filters"], "channels": subscription_channels(subscription),
            "endpoint_ids": subscription.get("endpoint_ids", []), "created_at": subscription["created_at"]}


def subscription_channels(subscription):
    """The channels besides webhooks a subscription asks for (the inbox alone, by default)."""
    return subscription.get("channels", ["inbox"])


def endpoint_view(endpoint):
    return {"id": endpoint["_id"], **{key: endpoint.get(key) for key in (
        "url", "description", "status", "failing_since", "disabled_at", "enable_after",
        "disabled_reason", "created_at")}}


_ATTEMPT = ("at", "reason", "status", "latency_ms", "response_body", "error", "outcome")


def _sent(delivery, keys):
    return {"id": delivery["_id"], "next_attempt_at": delivery.get("next_attempt_at"),
            **{key: delivery[key] for key in ("event_id", "topic", "status", "created_at", *keys)},
            "attempts": [{key: a.get(key) for key in _ATTEMPT} for a in delivery["attempts"]]}


def delivery_view(delivery):
    return _sent(delivery, ("endpoint_id",))


def email_view(email):
    return _sent(email, ("to", "subject", "language"))


def endpoint_health_view(endpoint, backlog):
    return {**endpoint_view(endpoint), "backlog": backlog}


def inbox_item_view(item):
    return {"id": item["_id"], **{key: item[key] for key in (
        "topic", "subject", "text", "language", "event_id", "occurred_at", "received_at", "read_at")}}
