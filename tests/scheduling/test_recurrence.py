"""Series expansion: local wall-clock times across daylight-saving changes, and the bounds."""

from __future__ import annotations

import signal
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.lib.errors import Invalid
from backend.lib.i18n import format_message, translate
from backend.scheduling.recurrence import expand, shift_wall_clock, to_utc


def local(slots, zone: str) -> list[datetime]:
    return [s.starts_at.astimezone(ZoneInfo(zone)) for s in slots]


def utc_hours(slots) -> list[int]:
    return [s.starts_at.astimezone(UTC).hour for s in slots]


@pytest.mark.parametrize(
    ("zone", "first", "count", "hours_utc"),
    [
        # Europe/Berlin springs forward on 2026-03-29 and falls back on 2026-10-25.
        ("Europe/Berlin", "2026-03-12T18:00", 8, [17, 17, 17, 16, 16, 16, 16, 16]),
        ("Europe/Berlin", "2026-10-15T18:00", 4, [16, 16, 17, 17]),
        # America/New_York springs forward on 2026-03-08 and falls back on 2026-11-01.
        ("America/New_York", "2026-02-22T18:00", 4, [23, 23, 22, 22]),
        ("America/New_York", "2026-10-18T18:00", 4, [22, 22, 23, 23]),
        # Asia/Jakarta has no daylight-saving time.
        ("Asia/Jakarta", "2026-03-12T18:00", 4, [11, 11, 11, 11]),
    ],
)
def test_weekly_series_keeps_its_local_time_across_dst(zone, first, count, hours_utc):
    slots = expand(f"FREQ=WEEKLY;COUNT={count}", datetime.fromisoformat(first), 90, ZoneInfo(zone))
    assert len(slots) == count
    assert all(t.strftime("%H:%M") == "18:00" for t in local(slots, zone))
    assert utc_hours(slots) == hours_utc
    assert all(s.ends_at - s.starts_at == timedelta(minutes=90) for s in slots)
    assert all(s.starts_at.tzinfo is UTC for s in slots)


def test_acceptance_berlin_eight_thursdays():
    slots = expand("FREQ=WEEKLY;COUNT=8", datetime(2026, 3, 12, 18), 120, ZoneInfo("Europe/Berlin"))
    assert [s.starts_at.date() for s in slots][:2] == [date(2026, 3, 12), date(2026, 3, 19)]
    assert [s.starts_at.strftime("%H:%MZ") for s in slots] == ["17:00Z"] * 3 + ["16:00Z"] * 5


def test_an_aware_first_start_is_read_in_the_group_zone():
    # 17:00Z is 18:00 in Berlin in March: the series stays at 18:00 local.
    slots = expand(
        "FREQ=WEEKLY;COUNT=4",
        datetime(2026, 3, 19, 17, tzinfo=UTC),
        60,
        ZoneInfo("Europe/Berlin"),
    )
    assert all(t.hour == 18 for t in local(slots, "Europe/Berlin"))


def test_fortnightly_interval_2():
    slots = expand(
        "FREQ=WEEKLY;INTERVAL=2;COUNT=4", datetime(2026, 3, 12, 18), 60, ZoneInfo("Asia/Jakarta")
    )
    days = [s.starts_at.date() for s in slots]
    assert [b - a for a, b in pairwise(days)] == [timedelta(days=14)] * 3


def test_monthly_first_tuesday():
    slots = expand(
        "FREQ=MONTHLY;BYDAY=1TU;COUNT=4", datetime(2026, 3, 3, 10), 60, ZoneInfo("Asia/Jakarta")
    )
    starts = local(slots, "Asia/Jakarta")
    assert [t.date() for t in starts] == [
        date(2026, 3, 3),
        date(2026, 4, 7),
        date(2026, 5, 5),
        date(2026, 6, 2),
    ]
    assert all(t.weekday() == 1 and t.day <= 7 and t.hour == 10 for t in starts)


def test_rrule_prefix_and_lower_case_are_accepted():
    slots = expand("RRULE:freq=weekly;count=2", datetime(2026, 3, 12, 18), 60, ZoneInfo("UTC"))
    assert len(slots) == 2


@pytest.mark.parametrize(
    ("until", "expected"),
    [
        ("20260409", 5),  # a date: up to the end of that day, local time
        ("20260409T180000", 5),  # a local time: inclusive
        ("20260409T155959Z", 4),  # UTC, one second before 18:00 CEST
        ("20260409T160000Z", 5),  # UTC, exactly 18:00 CEST
    ],
)
def test_until_bounds_the_series_like_count(until, expected):
    zone = ZoneInfo("Europe/Berlin")
    by_until = expand(f"FREQ=WEEKLY;UNTIL={until}", datetime(2026, 3, 12, 18), 60, zone)
    by_count = expand(f"FREQ=WEEKLY;COUNT={expected}", datetime(2026, 3, 12, 18), 60, zone)
    assert by_until == by_count


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=WEEKLY", "needs an end"),
        ("FREQ=WEEKLY;BYDAY=TH", "needs an end"),
        ("FREQ=WEEKLY;COUNT=201", "at most 200"),
        ("FREQ=DAILY;UNTIL=20270101", "at most 200"),
        ("FREQ=MONTHLY;COUNT=26", "2 years"),
        ("FREQ=WEEKLY;UNTIL=20290101", "2 years"),
        ("FREQ=WEEKLY;COUNT=0", "no session"),
        ("FREQ=WEEKLY;UNTIL=20200101", "no session"),
        ("FREQ=WEEKLY;COUNT=2;UNTIL=20270101", "not both"),
        ("FREQ=HOURLY;COUNT=3", "FREQ must be"),
        ("FREQ=FORTNIGHTLY;COUNT=3", "Not a valid RRULE"),
        ("FREQ=WEEKLY;COUNT=three", "Not a valid RRULE"),
        ("FREQ=WEEKLY;BYDAY=XX;COUNT=3", "Not a valid RRULE"),
        ("FREQ=WEEKLY;WHEN=SOON;COUNT=3", "Not a valid RRULE"),
        ("COUNT=3", "Not a valid RRULE"),
        ("garbage", "Malformed"),
        ("FREQ=WEEKLY;;COUNT=3", "Malformed"),
        ("FREQ=WEEKLY;COUNT=3\nRDATE:20260101T100000", "one RRULE line"),
        ("FREQ=WEEKLY;COUNT=3;DTSTART=20260101T100000", "first_starts_at"),
        ("FREQ=WEEKLY;COUNT=3;COUNT=4", "twice"),
        ("FREQ=WEEKLY;UNTIL=2026-04-09", "UNTIL="),
        ("FREQ=DAILY;BYHOUR=9,10;COUNT=4", "overlap each other"),
    ],
)
def test_unusable_rules_are_invalid_and_name_rrule(rule, words):
    with pytest.raises(Invalid) as caught:
        expand(rule, datetime(2026, 3, 12, 9), 120, ZoneInfo("Asia/Jakarta"))
    assert caught.value.field == "rrule"
    assert caught.value.code.startswith(("rrule_", "series_"))
    assert words in format_message(caught.value.detail, caught.value.params)
    # Every one of these messages is in the catalogs: the Indonesian reader gets Indonesian.
    assert translate(caught.value.detail, "id") != caught.value.detail


def test_exactly_200_occurrences_within_two_years_is_allowed():
    slots = expand("FREQ=DAILY;COUNT=200", datetime(2026, 1, 1, 9), 60, ZoneInfo("UTC"))
    assert len(slots) == 200


def test_two_years_to_the_day_is_the_limit():
    zone = ZoneInfo("UTC")
    # The last start may be two years after the first, not a day more.
    assert len(expand("FREQ=MONTHLY;COUNT=25", datetime(2026, 1, 1, 9), 60, zone)) == 25
    assert len(expand("FREQ=YEARLY;COUNT=3", datetime(2026, 1, 1, 9), 60, zone)) == 3
    with pytest.raises(Invalid):
        expand("FREQ=DAILY;INTERVAL=4;COUNT=184", datetime(2026, 1, 1, 9), 60, zone)


def test_shifting_later_occurrences_keeps_the_wall_clock():
    zone = ZoneInfo("Europe/Berlin")
    before_dst = to_utc(datetime(2026, 3, 26, 18), zone)
    after_dst = to_utc(datetime(2026, 4, 2, 18), zone)
    one_hour_later = timedelta(hours=1)
    assert shift_wall_clock(before_dst, one_hour_later, zone).astimezone(zone).hour == 19
    assert shift_wall_clock(after_dst, one_hour_later, zone).astimezone(zone).hour == 19


ZONES = ["Europe/Berlin", "America/New_York", "Asia/Jakarta", "Australia/Sydney", "UTC"]


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    day=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
    hour=st.integers(min_value=6, max_value=21),
    minute=st.sampled_from([0, 15, 30, 45]),
    interval=st.integers(min_value=1, max_value=4),
    count=st.integers(min_value=1, max_value=26),
)
def test_any_weekly_series_stays_at_its_local_time(zone, day, hour, minute, interval, count):
    first = datetime(day.year, day.month, day.day, hour, minute)
    slots = expand(f"FREQ=WEEKLY;INTERVAL={interval};COUNT={count}", first, 60, ZoneInfo(zone))
    assert len(slots) == count
    for index, start in enumerate(local(slots, zone)):
        assert (start.hour, start.minute) == (hour, minute)
        assert start.date() == day + timedelta(weeks=interval * index)


class _StillRunning(Exception):
    pass


@contextmanager
def time_limit(seconds: float):
    """Fails the test when the block runs longer than ``seconds`` (so a stall fails fast)."""

    def interrupt(signum, frame):
        raise _StillRunning

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _StillRunning:
        # Reported without the interrupted library frames' traceback.
        pytest.fail(f"still running after {seconds} s", pytrace=False)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _long_list(prefix: str, values: str, limit: int = 500) -> str:
    """``prefix`` followed by as many comma-separated ``values`` as fit in an RRULE field."""
    return prefix + values[: limit - len(prefix)].rsplit(",", 1)[0]


HOURS = ",".join(map(str, range(24)))
SIXTY = ",".join(map(str, range(60)))
NEGATIVE_POSITIONS = ",".join(str(-n) for n in range(1, 367))

# Rules that never match (or not within two years of 2027-01-04), in COUNT and UNTIL forms.
NEVER_MATCHING = [
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=2",
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;UNTIL=20290104",
    "FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31;UNTIL=20290104T100000Z",
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;COUNT=2",
    "FREQ=WEEKLY;BYMONTH=4;BYMONTHDAY=31;UNTIL=20281231T100000",
    "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYMONTH=2;BYMONTHDAY=-30;COUNT=5",
    "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6;COUNT=3",
    "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=-31;COUNT=2",
    "FREQ=MONTHLY;BYDAY=5MO;BYMONTH=2;BYMONTHDAY=1;UNTIL=20290101",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=2",
    "FREQ=YEARLY;BYYEARDAY=366;BYMONTH=1;COUNT=2",
    "FREQ=YEARLY;BYYEARDAY=-366;BYMONTH=12;UNTIL=20290104",
    "FREQ=YEARLY;BYWEEKNO=53;BYMONTH=6;COUNT=2",
    "FREQ=YEARLY;BYWEEKNO=53;BYDAY=TH;COUNT=1",  # the next week 53 is in 2032
    "FREQ=YEARLY;BYWEEKNO=1;BYMONTH=7;BYSETPOS=1;COUNT=2",
    "FREQ=YEARLY;INTERVAL=3;BYMONTH=2;BYMONTHDAY=29;COUNT=1",
    _long_list("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=2;BYSETPOS=", NEGATIVE_POSITIONS),
    _long_list("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;UNTIL=20290104;BYSETPOS=", NEGATIVE_POSITIONS),
    _long_list(
        f"FREQ=WEEKLY;BYMONTHDAY=31;BYMONTH=4;COUNT=2;BYHOUR={HOURS};BYSETPOS=",
        NEGATIVE_POSITIONS,
    ),
    _long_list(
        f"FREQ=DAILY;BYMONTHDAY=31;BYMONTH=4;COUNT=2;BYHOUR={HOURS};BYMINUTE={SIXTY};BYSECOND=",
        SIXTY,
    ),
]


@pytest.mark.parametrize("rule", NEVER_MATCHING, ids=lambda rule: rule[:60])
def test_a_rule_that_never_matches_is_refused_quickly(rule):
    assert len(rule) <= 500  # what the API accepts
    started = time.perf_counter()
    with time_limit(2), pytest.raises(Invalid) as caught:
        expand(rule, datetime(2027, 1, 4, 10), 60, ZoneInfo("Asia/Jakarta"))
    elapsed = time.perf_counter() - started
    assert caught.value.field == "rrule"
    assert "no session within 2 years" in caught.value.detail or "2 years" in caught.value.detail
    assert elapsed < 0.5, f"{elapsed:.2f} s"


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # Rare, but inside the two years: the bounded walk still finds them.
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;COUNT=1", [date(2028, 2, 29)]),
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;UNTIL=20290104", [date(2028, 2, 29)]),
        (
            "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2,4,6,7,9,11,12;COUNT=4",
            [date(2027, 7, 31), date(2027, 12, 31), date(2028, 7, 31), date(2028, 12, 31)],
        ),
        ("FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO;COUNT=2", [date(2027, 1, 4), date(2028, 1, 3)]),
        ("FREQ=YEARLY;COUNT=3", [date(2027, 1, 4), date(2028, 1, 4), date(2029, 1, 4)]),
    ],
)
def test_rare_rules_within_two_years_are_expanded(rule, expected):
    zone = ZoneInfo("Asia/Jakarta")
    slots = expand(rule, datetime(2027, 1, 4, 10), 60, zone)
    assert [s.starts_at.astimezone(zone).date() for s in slots] == expected


def test_until_may_reach_the_day_two_years_on_but_not_further():
    zone = ZoneInfo("Asia/Jakarta")
    slots = expand("FREQ=WEEKLY;UNTIL=20290104", datetime(2027, 1, 4, 10), 60, zone)
    assert slots[-1].starts_at.astimezone(zone).date() == date(2029, 1, 1)
    with pytest.raises(Invalid) as caught:
        expand("FREQ=WEEKLY;UNTIL=20290106", datetime(2027, 1, 4, 10), 60, zone)
    assert "2 years" in caught.value.detail and caught.value.field == "rrule"
