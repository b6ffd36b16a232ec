"""Times and dates as they enter Lingkar: bounded, so every view of them can be computed.

A time is stored in UTC and shown in a group's zone; a date is a local day of a group. Both
must fit what Python and both databases hold in any zone, with room for arithmetic around them
(the end of a day, a series two years long), so Lingkar accepts years 1900 to 2200 only. Every
time or date that enters (a session's start, a series' UNTIL, ``from`` and ``to`` of lists and
reports, ``joined_on``) passes through :func:`utc_moment` or :func:`bounded_date`; out of range
is a 422 naming the field, before anything is written.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend.lib.errors import BadRequest, Invalid
from backend.lib.i18n import N_

MIN_YEAR = 1900
MAX_YEAR = 2200

_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$"
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _out_of_range(field: str) -> Invalid:
    return Invalid(
        N_("{field} must be between the years {min} and {max}."),
        params={"field": field, "min": MIN_YEAR, "max": MAX_YEAR},
        field=field,
        code="time_out_of_range",
    )


def utc_moment(value: datetime, field: str, zone: ZoneInfo | None = None) -> datetime:
    """``value`` in UTC (a naive value is a wall-clock time in ``zone``, else UTC), checked to
    lie within the bounds both in UTC and in ``zone``."""
    try:
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone or UTC)
        moment = value.astimezone(UTC)
        local = moment.astimezone(zone) if zone is not None else moment
    except (OverflowError, ValueError) as exc:
        raise _out_of_range(field) from exc
    for year in (value.year, moment.year, local.year):
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise _out_of_range(field)
    return moment.replace(microsecond=0)


def bounded_date(value: date, field: str) -> date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise _out_of_range(field)
    return value


def parse_moment(text: str | None, field: str, zone: ZoneInfo | None = None) -> datetime | None:
    """A time from a query string: ISO 8601 only (a number is not a time)."""
    if text is None:
        return None
    if not _ISO_DATETIME.match(text.strip()):
        raise BadRequest(
            N_("{field} is not a time; use ISO 8601, for example 2026-11-24T00:30:00+07:00."),
            params={"field": field},
            field=field,
            code="not_a_time",
        )
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadRequest(
            N_("{field} is not a valid time."),
            params={"field": field},
            field=field,
            code="not_a_time",
        ) from exc
    return utc_moment(value, field, zone)


def parse_date(text: str | None, field: str) -> date | None:
    """A date from a query string: YYYY-MM-DD only."""
    if text is None:
        return None
    if not _ISO_DATE.match(text.strip()):
        raise BadRequest(
            N_("{field} is not a date; use YYYY-MM-DD."),
            params={"field": field},
            field=field,
            code="not_a_date",
        )
    try:
        value = date.fromisoformat(text.strip())
    except ValueError as exc:
        raise BadRequest(
            N_("{field} is not a valid date."),
            params={"field": field},
            field=field,
            code="not_a_date",
        ) from exc
    return bounded_date(value, field)


def local_midnight_utc(day: date, timezone: str) -> datetime:
    """The UTC instant at which ``day`` starts in ``timezone``."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def local_day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """[start, end) of a local day in UTC."""
    return local_midnight_utc(day, timezone), local_midnight_utc(day + timedelta(days=1), timezone)


def as_utc(value: datetime | str) -> datetime:
    """A timestamp from the database in UTC (SQLite gives text for computed columns)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def moment(value: datetime | str) -> datetime:
    """A stored UTC timestamp as an aware datetime (SQLite gives the text Piccolo wrote)."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def as_date(value: date | str) -> date:
    """A date from the database (SQLite gives ISO text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def today_in(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()
