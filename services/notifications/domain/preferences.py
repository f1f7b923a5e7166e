"""Preferences on three levels, and digests.

A subscriber may mute everything, a topic, or a channel (``email``, ``webhook``, ``inbox``): a
message goes to a channel only when none of the three levels mutes it. A critical message (an endpoint disabled, say) bypasses every mute: it goes to the
inbox and email whatever they chose. A busy topic may be collected into a digest: its messages
wait, and one message per period (daily at 18:00 Beijing time by default) tells them all; a
webhook is never held back for a digest: systems want each event as it comes.

    {"muted": False,
     "topics": {"talent.updated": {"muted": False, "digest": "daily"}},
     "channels": {"email": {"muted": True}}}
"""
import datetime

from common.clock import BEIJING
from common.errors import BadRequest

from .topics import TOPICS

WEBHOOK, EMAIL, INBOX = "webhook", "email", "inbox"
CHANNELS = (WEBHOOK, EMAIL, INBOX)
# The channels a subscription names itself (a webhook goes to the endpoints it names).
PERSONAL_CHANNELS = (INBOX, EMAIL)
# Where a critical message goes, mutes or not: the owner must hear of it on some channel.
CRITICAL_CHANNELS = (EMAIL, INBOX)
DAILY = "daily"
DEFAULT_DIGEST_HOUR = 18  # Beijing time
NOTHING = {"muted": False, "topics": {}, "channels": {}}


def check_preferences(payload):
    """The preferences as stored; BadRequest naming an unknown topic, channel or digest."""
    faults = {}
    topics, channels = payload.get("topics") or {}, payload.get("channels") or {}
    for topic, choice in topics.items():
        if topic not in TOPICS:
            faults[f"topics.{topic}"] = ["not a topic"]
        elif choice.get("digest") not in (None, DAILY):
            faults[f"topics.{topic}.digest"] = [f"none, or {DAILY}"]
    for channel in channels:
        if channel not in CHANNELS:
            faults[f"channels.{channel}"] = [f"channels are {', '.join(CHANNELS)}"]
    if faults:
        raise BadRequest("the preferences are refused", faults)
    return {"muted": bool(payload.get("muted")),
            "topics": {t: {"muted": bool(c.get("muted")), "digest": c.get("digest")} for t, c in topics.items()},
            "channels": {c: {"muted": bool(v.get("muted"))} for c, v in channels.items()}}


def channels_for(preferences, topic, subscribed_channels, critical=False):
    """``(now, digest)``: the channels of ``subscribed_channels`` a message of ``topic`` goes to
    at once, and those it waits in a digest for."""
    if critical:
        return sorted(set(subscribed_channels) | set(CRITICAL_CHANNELS)), []
    choice = preferences.get("topics", {}).get(topic, {})
    if preferences.get("muted") or choice.get("muted"):
        return [], []
    now, digest = [], []
    for channel in subscribed_channels:
        if preferences.get("channels", {}).get(channel, {}).get("muted"):
            continue
        (digest if choice.get("digest") == DAILY and channel != WEBHOOK else now).append(channel)
    return now, digest


def next_digest_at(now, hour=DEFAULT_DIGEST_HOUR):
    """The first ``hour`` o'clock Beijing time after ``now`` (an aware datetime), in UTC."""
    local = now.astimezone(BEIJING)
    due = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if due <= local:
        due += datetime.timedelta(days=1)
    return due.astimezone(datetime.timezone.utc)
