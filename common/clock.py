"""What time it is, in the forms the rules need: UTC for records, Beijing's date for "today".

China has one time zone and no daylight saving, so a rule that says "today" (an age on the day of
registration, a birth date not in the future) means Beijing's date, whatever zone the server runs in.
No framework here: domain code and tests may call it. ``now`` arguments exist so that callers can
work on one instant throughout a change.
"""
import datetime

UTC = datetime.timezone.utc
BEIJING = datetime.timezone(datetime.timedelta(hours=8), "Asia/Shanghai")


def utc_datetime():
    """The current instant, timezone-aware, in UTC."""
    return datetime.datetime.now(UTC)


def utc_now(now=None):
    """An instant as stored and sent everywhere: ISO 8601 in UTC, to the millisecond."""
    return (now or utc_datetime()).astimezone(UTC).isoformat(timespec="milliseconds")


def instant(value):
    """An instant as stored (``utc_now``'s text) as an aware datetime; None for None."""
    return datetime.datetime.fromisoformat(value) if value else None


def beijing_today(now=None):
    """Beijing's calendar date at ``now`` (default: this instant)."""
    return (now or utc_datetime()).astimezone(BEIJING).date()
