"""Times in a group's zone, and RFC 5545 recurrence rules expanded with python-dateutil.

A series is expanded over naive local wall-clock times and each occurrence is then placed in
the group's zone, so a weekly 18:00 stays at 18:00 local across a daylight-saving change.
The expansion is bounded in work as well as in results: it never looks past the month in which
the series' two years end, so a rule that never matches costs a few milliseconds, not a walk
to the year 9999. This module is pure: no database, no HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from types import FunctionType
from typing import Any
from zoneinfo import ZoneInfo

import dateutil.rrule
from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr

from backend.lib.errors import Invalid
from backend.lib.i18n import N_

MAX_OCCURRENCES = 200
MAX_SPAN = relativedelta(years=2)
# UNTIL may reach this far past the last allowed start (a date means the end of that day).
UNTIL_GRACE = timedelta(days=1)
ALLOWED_FREQUENCIES = {DAILY, WEEKLY, MONTHLY, YEARLY}
# Parts a series may not carry: its start comes from first_starts_at, not from the rule.
_FORBIDDEN_PARTS = {"DTSTART", "TZID"}


@dataclass(frozen=True, slots=True)
class Slot:
    """One occurrence in UTC."""

    starts_at: datetime
    ends_at: datetime


def local_wall_time(value: datetime, zone: ZoneInfo) -> datetime:
    """The naive wall-clock time in ``zone`` of ``value`` (a naive value is already local)."""
    if value.tzinfo is None:
        return value.replace(microsecond=0)
    return value.astimezone(zone).replace(tzinfo=None, microsecond=0)


def to_utc(value: datetime, zone: ZoneInfo) -> datetime:
    """``value`` in UTC; a naive value is read as a wall-clock time in ``zone``.

    A wall-clock time that does not exist (skipped by a spring-forward change) is read with
    the offset in force before the change, as Python's zoneinfo does, so 02:30 on such a day in
    Europe/Berlin becomes 01:30Z, which is 03:30 local.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC).replace(microsecond=0)


def localise(value: datetime, zone: ZoneInfo) -> datetime:
    """A UTC (or any aware) datetime shown in ``zone``."""
    return value.astimezone(zone)


def _rule_text(text: str) -> str:
    rule = text.strip()
    if "\n" in rule or "\r" in rule:
        raise Invalid(
            N_("Send one RRULE line, without DTSTART, RDATE or EXDATE."),
            field="rrule",
            code="rrule_one_line",
        )
    rule = rule.removeprefix("RRULE:").removeprefix("rrule:")
    parts: dict[str, str] = {}
    for part in rule.split(";"):
        name, sep, value = part.partition("=")
        name = name.strip().upper()
        if not sep or not name or not value.strip():
            raise Invalid(
                N_("Malformed RRULE part {part}; expected NAME=VALUE."),
                params={"part": repr(part)},
                field="rrule",
                code="rrule_malformed",
            )
        if name in _FORBIDDEN_PARTS:
            raise Invalid(
                N_("The RRULE may not set {name}; use first_starts_at."),
                params={"name": name},
                field="rrule",
                code="rrule_part_not_allowed",
            )
        if name in parts:
            raise Invalid(
                N_("The RRULE sets {name} twice."),
                params={"name": name},
                field="rrule",
                code="rrule_part_twice",
            )
        parts[name] = value.strip().upper()
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise Invalid(
            N_("The RRULE needs an end: COUNT=n or UNTIL=date (at most 200 sessions, 2 years)."),
            field="rrule",
            code="rrule_without_end",
        )
    if "COUNT" in parts and "UNTIL" in parts:
        raise Invalid(
            N_("The RRULE may have COUNT or UNTIL, not both."),
            field="rrule",
            code="rrule_count_and_until",
        )
    return ";".join(f"{k}={v}" for k, v in parts.items())


def _until_in_local_time(rule: str, zone: ZoneInfo) -> str:
    """Rewrite UNTIL as a naive local time, which is what a naive DTSTART needs.

    ``UNTIL=...Z`` is converted to the group's zone; a date alone (``UNTIL=20260630``) means
    up to the end of that day, local time.
    """
    parts = []
    for part in rule.split(";"):
        name, _, value = part.partition("=")
        if name == "UNTIL":
            try:
                if len(value) == 8 and value.isdigit():
                    until = datetime.strptime(value, "%Y%m%d") + timedelta(days=1, seconds=-1)
                elif value.endswith("Z"):
                    until = local_wall_time(
                        datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC), zone
                    )
                else:
                    until = datetime.strptime(value, "%Y%m%dT%H%M%S")
            except (ValueError, OverflowError) as exc:
                raise Invalid(
                    N_("UNTIL={value} is not a date (YYYYMMDD) or a time (YYYYMMDDTHHMMSS[Z])."),
                    params={"value": value},
                    field="rrule",
                    code="rrule_bad_until",
                ) from exc
            value = until.strftime("%Y%m%dT%H%M%S")
        parts.append(f"{name}={value}")
    return ";".join(parts)


def parse_rule(text: str, first_local: datetime, zone: ZoneInfo) -> rrule:
    """A dateutil rule over naive local times starting at ``first_local``; 422 if unusable."""
    rule = _until_in_local_time(_rule_text(text), zone)
    try:
        parsed = rrulestr(rule, dtstart=first_local)
    except (ValueError, TypeError, IndexError, KeyError, OverflowError) as exc:
        raise Invalid(
            N_("Not a valid RRULE: {reason}."),
            params={"reason": str(exc)},
            field="rrule",
            code="rrule_invalid",
        ) from exc
    if not isinstance(parsed, rrule):
        raise Invalid(N_("Send one RRULE line."), field="rrule", code="rrule_one_line")
    if parsed._freq not in ALLOWED_FREQUENCIES:  # dateutil keeps the frequency here
        raise Invalid(
            N_(
                "Sessions repeat daily, weekly, monthly or yearly; FREQ must be one of "
                "DAILY, WEEKLY, MONTHLY, YEARLY."
            ),
            field="rrule",
            code="rrule_frequency",
        )
    return parsed


class _PastWindow(Exception):
    """The expansion reached a month after the one it was allowed to look at."""


class _WindowedInfo(dateutil.rrule._iterinfo):
    """dateutil's calendar tables for one period, refusing to be built past ``last_month``.

    dateutil compares UNTIL and COUNT only with occurrences it has found, so a rule that never
    matches (``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30``) walks every period up to the year 9999,
    for seconds or, with a long BYSETPOS, minutes. Its iterator rebuilds these tables whenever
    it enters a new month (or a new period of a monthly or yearly rule): that is where the walk
    is stopped. dateutil has no public hook for this.
    """

    def __init__(self, rule: rrule, last_month: tuple[int, int]) -> None:
        super().__init__(rule)
        self.last_month = last_month

    def rebuild(self, year: int, month: int) -> None:
        if (year, month) > self.last_month:
            raise _PastWindow
        super().rebuild(year, month)


def _occurrences_until_month(rule: rrule, last_month: tuple[int, int]) -> Iterator[datetime]:
    """``rule``'s occurrences in order, by dateutil's own iterator, which raises
    :class:`_PastWindow` when it would go on past ``last_month``."""
    names: dict[str, Any] = {
        **vars(dateutil.rrule),
        "_iterinfo": lambda r: _WindowedInfo(r, last_month),
    }
    iterate = FunctionType(rrule._iter.__code__, names, "_iter")
    return iterate(rule)


def _last_allowed_start(first_local: datetime) -> datetime:
    try:
        return first_local + MAX_SPAN
    except (ValueError, OverflowError):
        return datetime.max


def expand(
    text: str, first_starts_at: datetime, duration_minutes: int, zone: ZoneInfo
) -> list[Slot]:
    """Every occurrence of a series in UTC, bounded to 200 occurrences within 2 years."""
    first_local = local_wall_time(first_starts_at, zone)
    rule = parse_rule(text, first_local, zone)
    last_start = _last_allowed_start(first_local)
    try:
        window_end = last_start + UNTIL_GRACE
    except OverflowError:
        window_end = datetime.max
    count, until = rule._count, rule._until  # what the rule ends with, as dateutil read it
    too_long = Invalid(
        N_("A series can span at most 2 years; end it sooner with COUNT or UNTIL."),
        field="rrule",
        code="series_too_long",
    )
    too_many = Invalid(
        N_("A series can have at most {limit} sessions; this RRULE gives more."),
        params={"limit": MAX_OCCURRENCES},
        field="rrule",
        code="series_too_many",
    )
    if until is not None and until > window_end:
        raise too_long
    if count is not None and count > MAX_OCCURRENCES:
        raise too_many
    wanted = MAX_OCCURRENCES + 1 if count is None else count
    starts: list[datetime] = []
    occurrences = _occurrences_until_month(rule, (window_end.year, window_end.month))
    try:
        while len(starts) < wanted:
            starts.append(next(occurrences))
    except (StopIteration, _PastWindow):
        pass
    except (ValueError, OverflowError) as exc:
        raise Invalid(
            N_("The RRULE cannot be expanded: {reason}."),
            params={"reason": str(exc)},
            field="rrule",
            code="rrule_invalid",
        ) from exc
    if not starts:
        raise Invalid(
            N_("The RRULE gives no session within 2 years of first_starts_at."),
            field="rrule",
            code="rrule_no_session",
        )
    if len(starts) > MAX_OCCURRENCES:
        raise too_many
    if starts[-1] > last_start or (count is not None and len(starts) < count):
        # The last session asked for is later than two years, or never comes.
        raise too_long
    duration = timedelta(minutes=duration_minutes)
    slots = []
    for local in starts:
        start = to_utc(local, zone)
        slots.append(Slot(starts_at=start, ends_at=start + duration))
    for earlier, later in pairwise(slots):
        if later.starts_at < earlier.ends_at:
            raise Invalid(
                N_(
                    "Sessions of this series would overlap each other; shorten them or space "
                    "them out."
                ),
                field="rrule",
                code="series_overlaps_itself",
            )
    return slots


def shift_wall_clock(value: datetime, delta: timedelta, zone: ZoneInfo) -> datetime:
    """``value`` (UTC) moved by ``delta`` of local wall-clock time in ``zone``, back in UTC."""
    return to_utc(local_wall_time(value, zone) + delta, zone)
