"""The events the notifications service hears of (docs/events.md), read through its own reading:
the envelope, a topic it knows, version 1, and the event's data as a JSON object, of which the
templates and filters take what they use (unknown fields are simply not read). It publishes none.
"""
from services.notifications.domain.topics import TOPICS

CONTRACT_VERSION = 1
RESULTS_PUBLISHED, CONTESTANT_AWARDED = "competition.results_published", "competition.contestant_awarded"
TALENT_ADMITTED, TALENT_UPDATED = "talent.admitted", "talent.updated"
STUDIO_RATED, RATING_REVOKED, RESULT_VERIFIED = "studio.rated", "studio.rating_revoked", "result.verified"
# Who publishes each topic: the sources the service's handlers listen to.
SOURCES = {RESULTS_PUBLISHED: "competitions", CONTESTANT_AWARDED: "competitions",
           TALENT_ADMITTED: "talent_pool", TALENT_UPDATED: "talent_pool",
           STUDIO_RATED: "studios", RATING_REVOKED: "studios", RESULT_VERIFIED: "studios"}


class UnsupportedEvent(ValueError):
    """An event this service has no reading for: parked by the reliable handler."""


def read(envelope):
    """``(topic, data)`` of an envelope; UnsupportedEvent for a topic or version it does not know."""
    topic, data = envelope.get("event_type"), envelope.get("data")
    if topic not in TOPICS or envelope.get("version") != CONTRACT_VERSION:
        raise UnsupportedEvent(f"no reading of {topic} v{envelope.get('version')}")
    if not isinstance(data, dict):
        raise UnsupportedEvent(f"{topic}: its data is no object")
    return topic, data
