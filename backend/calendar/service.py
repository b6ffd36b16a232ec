"""iCalendar feeds of sessions, and the private feed links of members.

A feed has one VEVENT per session (no RRULE: each occurrence can be moved or cancelled on its
own), with a stable UID, SEQUENCE from the session, STATUS CONFIRMED or CANCELLED, and DTSTART
and DTEND in the group's time zone with a VTIMEZONE for each zone used. A feed carries the
group's name, the topic, the place and the guide followed: never a member's name and never a
roll call.

A member's private feed URL holds a secret token. Only its SHA-256 is stored. The token is
derived from the server's secret key, the member and the moment it was issued (HMAC), so the
member can be shown the same link again without the database ever holding it; revoking deletes
the row, and the next link is a new one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from backend.calendar import queries
from backend.db import database
from backend.domain.vocabulary import SessionStatus
from backend.lib.moments import as_utc
from backend.scheduling.queries import SessionRow

PRODID = "-//Lingkar//Group sessions//EN"
TOKEN_MIN_LENGTH = 20
# Litestar adds "; charset=utf-8" to text media types.
MEDIA_TYPE = "text/calendar"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _derive(secret: str, member_id: int, created_at: datetime) -> str:
    message = f"calendar-feed:{member_id}:{as_utc(created_at).isoformat()}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def calendar_token(member_id: int, secret: str) -> str:
    """The member's feed token, issued now if they have none."""
    async with database().write() as db:
        row = await queries.token_of_member(db, member_id)
        if row is not None:
            token = _derive(secret, member_id, row["created_at"])
            if hmac.compare_digest(token_hash(token), row["token_hash"]):
                return token
            # Issued under another secret key: that link cannot be shown again; replace it.
            await queries.delete_token(db, member_id)
        created_at = datetime.now(UTC)
        token = _derive(secret, member_id, created_at)
        await queries.insert_token(db, member_id, token_hash(token), created_at)
    return token


async def revoke_calendar_token(member_id: int) -> None:
    async with database().write() as db:
        await queries.delete_token(db, member_id)


async def member_for_token(token: str) -> int | None:
    if len(token) < TOKEN_MIN_LENGTH or len(token) > 200:
        return None
    return await queries.member_of_token(database(), token_hash(token))


# Control characters other than tab and line feed have no place in iCalendar text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _text(value: str) -> str:
    """Text as the database holds it, as a feed can carry it: line breaks as line feeds (which
    icalendar escapes), other control characters as spaces."""
    return _CONTROL.sub(" ", value.replace("\r\n", "\n").replace("\r", "\n"))


def _one_line(value: str) -> str:
    """Text for a property that must be one line (the calendar's name)."""
    return _text(value).replace("\n", " ")


def feed_url(base_url: str, token: str) -> str:
    """The private feed's address for a token."""
    return f"{base_url.rstrip('/')}/api/v1/calendar/{token}.ics"


def webcal_url(url: str) -> str:
    """The feed's address for a one-tap subscription: ``webcal://`` instead of the scheme."""
    return "webcal://" + url.split("://", 1)[-1]


def _summary(row: SessionRow) -> str:
    return _text(f"{row.group_name}: {row.topic}" if row.topic else row.group_name)


def _alarm(summary: str, minutes: int) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", -timedelta(minutes=minutes))
    return alarm


def build_calendar(
    name: str,
    uid: str,
    rows: Iterable[SessionRow],
    base_url: str = "",
    reminders: tuple[int, ...] = (),
) -> bytes:
    """An iCalendar document with one VEVENT per session; ``base_url`` makes guide links
    absolute; each session not cancelled has a display alarm ``reminders`` minutes before."""
    calendar = Calendar.new(
        prodid=PRODID, name=_one_line(name), uid=uid, refresh_interval=timedelta(hours=6)
    )
    calendar.add("x-published-ttl", "PT6H")
    first: date | None = None
    last: date | None = None
    for row in rows:
        zone = ZoneInfo(row.timezone)
        event = Event.new(
            uid=f"session-{row.id}@lingkar",
            sequence=row.sequence,
            stamp=row.updated_at.astimezone(UTC),
            last_modified=row.updated_at.astimezone(UTC),
            start=row.starts_at.astimezone(zone),
            end=row.ends_at.astimezone(zone),
            summary=_summary(row),
            location=_text(row.location) or None,
            status="CANCELLED" if row.status == SessionStatus.CANCELLED else "CONFIRMED",
        )
        details = []
        if row.status == SessionStatus.CANCELLED:
            details.append(
                f"Cancelled: {_text(row.cancel_reason)}" if row.cancel_reason else "Cancelled"
            )
        if row.guide:
            details.append(f"Guide: {base_url.rstrip('/')}/guides/guides/{row.guide}/")
        if details:
            event.add("description", "\n".join(details))
        if row.status != SessionStatus.CANCELLED:
            for minutes in reminders:
                event.add_component(_alarm(_summary(row), minutes))
        calendar.add_component(event)
        start_day = row.starts_at.date()
        first = start_day if first is None or start_day < first else first
        last = start_day if last is None or start_day > last else last
    if first is not None and last is not None:
        calendar.add_missing_timezones(
            first_date=first - timedelta(days=366), last_date=last + timedelta(days=366)
        )
    return calendar.to_ical()
