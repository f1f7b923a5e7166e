"""Delivery attempts: what each answer means, when the next comes, and an endpoint's health."""
import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import Conflict
from services.notifications.domain import delivery
from services.notifications.domain.delivery import (DEFAULT_SCHEDULE, DELIVERED, GONE, RETRY,
                                                    answer_outcome, enable, endpoint_after_attempt,
                                                    next_attempt, retry_after_seconds, schedule_from)

NOW = datetime.datetime(2026, 12, 3, 8, 0, tzinfo=datetime.timezone.utc)
ENDPOINT = {"status": "active", "failing_since": None}


def test_only_a_2xx_delivers_and_a_410_means_gone():
    assert [answer_outcome(s)["outcome"] for s in (200, 201, 204, 299)] == [DELIVERED] * 4
    assert answer_outcome(410)["outcome"] == GONE
    for status in (None, 301, 400, 404, 429, 500, 503):
        assert answer_outcome(status)["outcome"] == RETRY


def test_a_429_or_a_timeout_waits_a_minute_at_least_and_retry_after_is_honoured():
    assert answer_outcome(429)["at_least"] == 60
    assert answer_outcome(None, timed_out=True)["at_least"] == 60
    assert answer_outcome(500)["at_least"] == 0
    assert answer_outcome(429, "7", now=NOW)["at_least"] == 60
    assert answer_outcome(503, "120", now=NOW)["at_least"] == 120
    in_an_hour = "Thu, 03 Dec 2026 09:00:00 GMT"
    assert answer_outcome(429, in_an_hour, now=NOW)["at_least"] == 3600
    assert retry_after_seconds("not a date", NOW) is None
    assert retry_after_seconds("99999999", NOW) == delivery.MAX_RETRY_AFTER_SECONDS


def test_the_default_schedule_takes_about_27_hours_then_the_message_has_failed():
    assert sum(DEFAULT_SCHEDULE) / 3600 == pytest.approx(27, abs=1)
    retry = answer_outcome(500)
    assert next_attempt(1, retry, NOW) == NOW + datetime.timedelta(seconds=5)
    assert next_attempt(len(DEFAULT_SCHEDULE), retry, NOW) == NOW + datetime.timedelta(hours=10)
    assert next_attempt(len(DEFAULT_SCHEDULE) + 1, retry, NOW) is None


@given(st.integers(1, len(DEFAULT_SCHEDULE)), st.floats(-1, 1),
       st.sampled_from([None, "30", "4000"]), st.sampled_from([429, 500, None]))
def test_a_retry_is_within_its_jitter_and_never_before_what_the_answer_asked(failures, jitter,
                                                                            retry_after, status):
    outcome = answer_outcome(status, retry_after, now=NOW)
    when = next_attempt(failures, outcome, NOW, jitter=jitter)
    delay = (when - NOW).total_seconds()
    planned = DEFAULT_SCHEDULE[failures - 1]
    jittered = planned * (1 + delivery.JITTER * jitter)
    assert planned * 0.8 <= jittered <= planned * 1.2
    assert delay == pytest.approx(max(outcome["at_least"], jittered))


def test_a_configured_schedule_is_checked():
    assert schedule_from([1, 2]) == (1, 2)
    for wrong in ([], [0], [-1], ["5"], [True], [1] * 21, "5"):
        with pytest.raises(ValueError):
            schedule_from(wrong)


def test_an_endpoint_failing_for_five_days_is_disabled_and_a_delivery_ends_a_streak():
    endpoint, disabled = endpoint_after_attempt(ENDPOINT, False, False, NOW)
    assert endpoint["failing_since"] == NOW and not disabled
    almost, disabled = endpoint_after_attempt(endpoint, False, False, NOW + datetime.timedelta(days=4))
    assert not disabled and almost["status"] == "active"
    healed, _ = endpoint_after_attempt(almost, True, False, NOW + datetime.timedelta(days=4, hours=1))
    assert healed["failing_since"] is None
    late, disabled = endpoint_after_attempt(almost, False, False, NOW + datetime.timedelta(days=5))
    assert disabled and late["status"] == "disabled" and "since" in late["disabled_reason"]
    # Already disabled: told once, not at every later failure.
    assert endpoint_after_attempt(late, False, False, NOW + datetime.timedelta(days=6))[1] is False


def test_a_410_disables_at_once_and_the_owner_enables_it_only_after_the_cooldown():
    gone, disabled = endpoint_after_attempt(ENDPOINT, False, True, NOW)
    assert disabled and gone["status"] == "disabled" and "410" in gone["disabled_reason"]
    with pytest.raises(Conflict):
        enable(gone, NOW + datetime.timedelta(minutes=59))
    enabled = enable(gone, NOW + delivery.DEFAULT_COOLDOWN)
    assert enabled["status"] == "active" and enabled["failing_since"] is None
    with pytest.raises(Conflict):
        enable(enabled, NOW + datetime.timedelta(hours=2))
    assert gone["status"] == "disabled"  # the rules change nothing they are given


def test_after_an_attempt_a_delivery_is_delivered_due_again_held_or_failed():
    schedule = (10, 20)
    delivered = {"outcome": DELIVERED, "at_least": 0}
    retry = answer_outcome(500)
    assert delivery.after_attempt({}, delivered, NOW, schedule) == {
        "status": DELIVERED, "next_attempt_at": None, "next_reason": None}
    first = delivery.after_attempt({}, retry, NOW, schedule)
    assert first == {"status": "pending", "next_attempt_at": NOW + datetime.timedelta(seconds=10),
                     "failed_attempts": 1, "next_reason": None}
    second = delivery.after_attempt(first, retry, NOW, schedule)
    assert second["next_attempt_at"] == NOW + datetime.timedelta(seconds=20)
    assert delivery.after_attempt(second, retry, NOW, schedule)["status"] == "failed"  # spent
    assert delivery.after_attempt({}, answer_outcome(410), NOW, schedule)["status"] == "held"
    final = {"outcome": delivery.FAILED, "at_least": 0}  # an SMTP 5xx
    assert delivery.after_attempt({}, final, NOW, schedule)["status"] == "failed"


def test_a_replay_sends_again_now_with_its_schedule_afresh_and_its_reason_is_spent_by_the_attempt():
    failed = {"status": "failed", "failed_attempts": 7}
    again = delivery.replayed(delivery.REPLAY, "2026-12-04T10:00:00.000+00:00")
    assert again == {"status": "pending", "next_attempt_at": "2026-12-04T10:00:00.000+00:00",
                     "failed_attempts": 0, "next_reason": "replay"}
    after = delivery.after_attempt({**failed, **again}, answer_outcome(500), NOW, (10, 20))
    assert after["failed_attempts"] == 1 and after["next_reason"] is None


def test_a_disabled_endpoints_messages_are_not_replayed():
    delivery.require_replayable({"status": "active"})
    with pytest.raises(Conflict):
        delivery.require_replayable({"status": "disabled"})
