"""Preferences on three levels, critical messages past them, and when a digest is due."""
import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import BadRequest
from services.notifications.domain.preferences import (CHANNELS, NOTHING, channels_for,
                                                       check_preferences, next_digest_at)

ALL = list(CHANNELS)
UTC = datetime.timezone.utc


def test_with_no_preferences_every_subscribed_channel_hears_at_once():
    assert channels_for(NOTHING, "studio.rated", ALL) == (ALL, [])


def test_a_mute_on_any_level_silences_and_a_critical_message_passes_every_mute():
    everything = check_preferences({"muted": True})
    topic = check_preferences({"topics": {"talent.updated": {"muted": True}}})
    channel = check_preferences({"channels": {"email": {"muted": True}}})
    assert channels_for(everything, "studio.rated", ALL) == ([], [])
    assert channels_for(topic, "talent.updated", ALL) == ([], [])
    assert channels_for(topic, "studio.rated", ALL) == (ALL, [])
    assert channels_for(channel, "studio.rated", ALL) == (["webhook", "inbox"], [])
    assert channels_for(everything, "endpoint.disabled", ["webhook"], critical=True) == (
        ["email", "inbox", "webhook"], [])


def test_a_busy_topic_waits_for_its_digest_but_webhooks_never_wait():
    daily = check_preferences({"topics": {"talent.updated": {"digest": "daily"}}})
    assert channels_for(daily, "talent.updated", ALL) == (["webhook"], ["email", "inbox"])


def test_unknown_topics_channels_and_digests_are_refused_by_name():
    with pytest.raises(BadRequest) as refused:
        check_preferences({"topics": {"nope": {}, "studio.rated": {"digest": "hourly"}},
                           "channels": {"sms": {"muted": True}}})
    assert set(refused.value.fields) == {"topics.nope", "topics.studio.rated.digest", "channels.sms"}


def test_a_digest_is_due_at_the_next_18_00_beijing_time():
    morning = datetime.datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
    assert next_digest_at(morning) == datetime.datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    evening = datetime.datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # 18:00 sharp: the next day's
    assert next_digest_at(evening) == datetime.datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


@given(st.datetimes(min_value=datetime.datetime(2020, 1, 1), max_value=datetime.datetime(2040, 1, 1),
                    timezones=st.just(UTC)))
def test_a_digest_is_due_within_a_day_at_18_00_beijing_time(now):
    due = next_digest_at(now)
    assert now < due <= now + datetime.timedelta(days=1)
    assert (due.hour, due.minute, due.second) == (10, 0, 0)  # 18:00 in UTC+8
