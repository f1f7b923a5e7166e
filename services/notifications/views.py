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
            "filters": subscription["filters"], "created_at": subscription["created_at"]}


def inbox_item_view(item):
    return {"id": item["_id"], **{key: item[key] for key in (
        "topic", "subject", "text", "language", "event_id", "occurred_at", "received_at", "read_at")}}
