"""Delivery attempts: what an answer means, when to try again, and when an endpoint is disabled.

Only a 2xx answer delivers. Anything else is tried again on the schedule (``DEFAULT_SCHEDULE``,
about 27 hours in all, each delay moved by up to ±20 % so that endpoints failing together are not
retried together), never sooner than a minute after a 429 or a timeout, and never sooner than
the receiver's ``Retry-After``. A 410 means the endpoint is gone: it is disabled at once. An
endpoint that has failed every attempt for ``disable_after`` (5 days by default) is disabled
too; either way its owner is told on another channel, and it may be enabled again only after a
cooldown. Messages due while it is disabled are kept, to be replayed.

Times are aware datetimes; randomness (the jitter) comes in as an argument, in [-1, 1], so every
rule here is deterministic.
"""
import datetime
import email.utils

from common.errors import Conflict

# Seconds from one failed attempt to the next: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
DEFAULT_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 36000)
JITTER = 0.2
THROTTLED_MIN_SECONDS = 60
# A Retry-After further than this is read as this: a receiver does not park a message for days.
MAX_RETRY_AFTER_SECONDS = 36000
DEFAULT_DISABLE_AFTER = datetime.timedelta(days=5)
DEFAULT_COOLDOWN = datetime.timedelta(hours=1)
MAX_SCHEDULE_STEPS = 20

DELIVERED, RETRY, FAILED, GONE = "delivered", "retry", "failed", "gone"
ACTIVE, DISABLED = "active", "disabled"
PENDING, HELD = "pending", "held"
# Why an attempt was made: its turn on the schedule, one message sent again by hand, or one of an
# endpoint's failed messages replayed.
SCHEDULED, MANUAL, REPLAY = "scheduled", "manual", "replay"
# The most messages one replay sends again: a larger range is replayed in several calls.
MAX_REPLAY = 10_000


def schedule_from(value):
    """The retry schedule a deployment configures (seconds between attempts), or the default;
    ValueError for one that is not 1 to 20 positive numbers."""
    if value is None:
        return DEFAULT_SCHEDULE
    if (not isinstance(value, (list, tuple)) or not 1 <= len(value) <= MAX_SCHEDULE_STEPS
            or any(isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0 for v in value)):
        raise ValueError(f"a retry schedule is 1 to {MAX_SCHEDULE_STEPS} positive numbers of seconds")
    return tuple(value)


def retry_after_seconds(header, now):
    """The delay a ``Retry-After`` header asks for (seconds, or an HTTP date), at most
    MAX_RETRY_AFTER_SECONDS; None when there is none or it cannot be read."""
    if not header:
        return None
    text = header.strip()
    if text.isdigit():
        seconds = int(text)
    else:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)
        seconds = (when - now).total_seconds()
    return min(max(seconds, 0), MAX_RETRY_AFTER_SECONDS)


def answer_outcome(status=None, retry_after=None, timed_out=False, now=None):
    """What one attempt's answer means: ``{"outcome": delivered | retry | gone, "at_least":
    seconds before the next attempt}``. ``status`` is the HTTP status (None when no answer
    came: refused, reset, or ``timed_out``)."""
    if status is not None and 200 <= status < 300:
        return {"outcome": DELIVERED, "at_least": 0}
    if status == 410:
        return {"outcome": GONE, "at_least": 0}
    at_least = 0
    if status == 429 or timed_out:
        at_least = THROTTLED_MIN_SECONDS
    asked = retry_after_seconds(retry_after, now) if now is not None else None
    if asked is not None:
        at_least = max(at_least, asked)
    return {"outcome": RETRY, "at_least": at_least}


def next_attempt(failed_attempts, outcome, now, schedule=DEFAULT_SCHEDULE, jitter=0.0):
    """When to try again after ``failed_attempts`` failures (this one included), or None when
    the schedule is spent (the message has failed, kept for a replay). ``outcome`` is from
    ``answer_outcome``; ``jitter`` in [-1, 1] moves the delay by up to ±JITTER of it."""
    if not 1 <= failed_attempts <= len(schedule):
        return None
    delay = schedule[failed_attempts - 1] * (1 + JITTER * max(-1.0, min(1.0, jitter)))
    return now + datetime.timedelta(seconds=max(delay, outcome["at_least"]))


def endpoint_after_attempt(endpoint, delivered, gone, now, disable_after=DEFAULT_DISABLE_AFTER,
                           cooldown=DEFAULT_COOLDOWN):
    """``(endpoint, disabled now)``: the endpoint's health after an attempt. A delivery ends a
    failing streak; a 410, or failing since ``disable_after`` ago, disables it, not to be
    enabled again before ``cooldown`` has passed."""
    changed = dict(endpoint)
    if delivered:
        changed["failing_since"] = None
        return changed, False
    failing_since = endpoint.get("failing_since") or now
    changed["failing_since"] = failing_since
    if endpoint["status"] == DISABLED:
        return changed, False
    if gone or now - failing_since >= disable_after:
        changed.update(status=DISABLED, disabled_at=now, enable_after=now + cooldown,
                       disabled_reason="the target answered 410 Gone" if gone else
                       f"every attempt failed since {failing_since.isoformat()}")
        return changed, True
    return changed, False


def enable(endpoint, now):
    """The endpoint enabled again by its owner; 409 while it is active or in its cooldown."""
    if endpoint["status"] != DISABLED:
        raise Conflict("the endpoint is not disabled", {"status": [endpoint["status"]]})
    if now < endpoint["enable_after"]:
        raise Conflict("the endpoint is in its cooldown after being disabled",
                       {"enable_after": [endpoint["enable_after"].isoformat()]})
    return {**endpoint, "status": ACTIVE, "failing_since": None, "disabled_at": None,
            "enable_after": None, "disabled_reason": None}



def after_attempt(record, attempt, now, schedule=DEFAULT_SCHEDULE, jitter=0.0):
    """The delivery ``record`` after ``attempt`` (from a channel's sender): delivered, due again
    on the schedule, or failed once the schedule is spent (kept, to be replayed). Returns the
    changed fields; the reason of a replay is spent with its attempt."""
    spent = {"next_reason": None}
    if attempt["outcome"] == DELIVERED:
        return {"status": DELIVERED, "next_attempt_at": None, **spent}
    failures = record.get("failed_attempts", 0) + 1
    if attempt["outcome"] == GONE:  # the endpoint is disabled: the message waits for a replay
        return {"status": HELD, "next_attempt_at": None, "failed_attempts": failures, **spent}
    when = None if attempt["outcome"] == FAILED else next_attempt(failures, attempt, now, schedule, jitter)
    if when is None:
        return {"status": FAILED, "next_attempt_at": None, "failed_attempts": failures, **spent}
    return {"status": PENDING, "next_attempt_at": when, "failed_attempts": failures, **spent}


def replayed(reason, now):
    """The changes that send a delivery again at ``now`` (``reason``: MANUAL or REPLAY), its
    schedule started afresh: whatever it came to before, a receiver may have lost it."""
    return {"status": PENDING, "next_attempt_at": now, "failed_attempts": 0, "next_reason": reason}


def require_replayable(endpoint):
    """409 for a replay to an endpoint that is disabled: it is enabled first, after its cooldown."""
    if endpoint["status"] != ACTIVE:
        raise Conflict("the endpoint is disabled: enable it before replaying its messages",
                       {"status": [endpoint["status"]]})
