import datetime

from common import clock

UTC = datetime.timezone.utc


def test_beijing_today_is_a_day_ahead_of_utc_from_16_00_utc():
    assert clock.beijing_today(datetime.datetime(2026, 1, 1, 15, 59, 59, tzinfo=UTC)) == \
        datetime.date(2026, 1, 1)
    assert clock.beijing_today(datetime.datetime(2026, 1, 1, 16, 0, tzinfo=UTC)) == \
        datetime.date(2026, 1, 2)
    # An instant in any other zone is read as the same instant.
    new_york = datetime.timezone(datetime.timedelta(hours=-5))
    assert clock.beijing_today(datetime.datetime(2025, 12, 31, 23, 30, tzinfo=new_york)) == \
        datetime.date(2026, 1, 1)


def test_utc_now_is_iso_utc_to_the_millisecond():
    beijing_noon = datetime.datetime(2026, 6, 1, 12, 0, 0, 123456, tzinfo=clock.BEIJING)
    assert clock.utc_now(beijing_noon) == "2026-06-01T04:00:00.123+00:00"
    assert datetime.datetime.fromisoformat(clock.utc_now()).tzinfo == UTC


def test_utc_datetime_is_aware_and_utc():
    now = clock.utc_datetime()
    assert now.utcoffset() == datetime.timedelta(0)
    assert clock.beijing_today(now) in (now.date(), now.date() + datetime.timedelta(days=1))
