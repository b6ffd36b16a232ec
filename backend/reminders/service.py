"""Email reminders, sent by a background task of the server when ``LINGKAR_SMTP_URL`` is set.

* **Members** with an email (their record's, else their login's) get one reminder per session,
  once the session is within the longest of ``LINGKAR_REMINDER_OFFSETS`` (a day by default);
  not for a cancelled session, nor one they said ahead they cannot come to.
* **Facilitators** get at most one digest a day (UTC) of their sessions of the last 30 days
  still awaiting a roll call.
* Each email goes **at most once** across workers and restarts: a sender first claims its key
  in ``reminder_sent`` (a unique row), then sends, then marks it sent. A failed send releases
  the claim for a later attempt (up to :data:`MAX_ATTEMPTS`, waiting longer each time); a sender
  that dies between claiming and marking leaves it claimed, so it is never sent twice.
* Every email is in the recipient's language, with times in the group's zone, and carries an
  unsubscribe link (and a ``List-Unsubscribe`` header); members and staff can also turn
  reminders off and on themselves.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import logging
import secrets
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any
from urllib.parse import unquote, urlsplit

from backend.accounts.schemas import CurrentUser
from backend.db import database
from backend.lib.i18n import N_, format_message, format_when
from backend.lib.moments import as_utc, now
from backend.reminders import queries
from backend.settings import Settings

log = logging.getLogger("lingkar.reminders")

MAX_ATTEMPTS = 5
DIGEST_DAYS = 30
SESSION, DIGEST = "session", "digest"
MEMBER, STAFF = "m", "u"


# ---------------------------------------------------------------------------- opting out


def _signature(secret: str, kind: str, ident: int) -> str:
    digest = hmac.new(secret.encode(), f"reminders-off:{kind}:{ident}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:18]).decode()


def unsubscribe_token(
    secret: str, *, member_id: int | None = None, user_id: int | None = None
) -> str:
    kind, ident = (MEMBER, member_id) if member_id is not None else (STAFF, user_id)
    assert ident is not None
    return f"{kind}{ident}.{_signature(secret, kind, ident)}"


def read_token(secret: str, token: str) -> tuple[int | None, int | None] | None:
    """``(member_id, user_id)`` of a genuine unsubscribe token, else ``None``."""
    head, _, signature = token.partition(".")
    kind, number = head[:1], head[1:]
    if kind not in (MEMBER, STAFF) or not number.isdigit() or len(number) > 16:
        return None
    if not hmac.compare_digest(signature, _signature(secret, kind, int(number))):
        return None
    return (int(number), None) if kind == MEMBER else (None, int(number))


def _who(user: CurrentUser) -> dict[str, int | None]:
    if user.member_id is not None and not user.is_staff:
        return {"member_id": user.member_id, "user_id": None}
    return {"member_id": None, "user_id": user.id}


async def reminders_on(user: CurrentUser) -> bool:
    async with database().read() as db:
        return not await queries.is_off(db, **_who(user))


async def set_reminders(user: CurrentUser, enabled: bool) -> bool:
    async with database().write() as db:
        await queries.set_off(db, not enabled, now(), **_who(user))
    return enabled


async def unsubscribe(secret: str, token: str) -> bool:
    """Turn reminders off for the token's owner; ``False`` when the token is not genuine."""
    owner = read_token(secret, token)
    if owner is None:
        return False
    async with database().write() as db:
        await queries.set_off(db, True, now(), member_id=owner[0], user_id=owner[1])
    return True


# ---------------------------------------------------------------------------- the emails


def _language(value: str | None, default: str) -> str:
    return value if value in ("en", "id") else default


def _session_email(row: dict[str, Any], language: str) -> tuple[str, str]:
    when = format_when(as_utc(row["starts_at"]), row["timezone"], language)
    subject = format_message(
        N_("Reminder: {group}, {when}"), {"group": row["group_name"], "when": when}, language
    )
    lines = [
        format_message(N_("Hello {name},"), {"name": row["display_name"]}, language),
        "",
        format_message(
            N_("Your group {group} meets on {when}."),
            {"group": row["group_name"], "when": when},
            language,
        ),
    ]
    if row["topic"]:
        lines.append(format_message(N_("Topic: {topic}"), {"topic": row["topic"]}, language))
    if row["location"]:
        lines.append(format_message(N_("Place: {place}"), {"place": row["location"]}, language))
    lines += [
        "",
        format_message(
            N_("If you cannot come, say so on your sessions page: {url}"),
            {"url": row["my_url"]},
            language,
        ),
    ]
    return subject, "\n".join(lines)


def _digest_email(rows: list[dict[str, Any]], language: str) -> tuple[str, str]:
    first = rows[0]
    subject = format_message(
        N_("{count} sessions are waiting for a roll call"), {"count": len(rows)}, language
    )
    lines = [
        format_message(N_("Hello {name},"), {"name": first["display_name"]}, language),
        "",
        format_message(N_("These sessions are waiting for a roll call:"), None, language),
    ]
    lines += [
        f"- {r['group_name']}: {format_when(as_utc(r['starts_at']), r['timezone'], language)}"
        f" {first['base_url']}/sessions/{r['session_id']}/roll"
        for r in rows
    ]
    return subject, "\n".join(lines)


def _message(
    settings: Settings, to: str, subject: str, body: str, unsubscribe_url: str, language: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="lingkar")
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    footer = format_message(
        N_("To receive no more reminders, open: {url}"), {"url": unsubscribe_url}, language
    )
    message.set_content(f"{body}\n\n-- \n{footer}\n")
    message["Content-Language"] = language  # after set_content, which resets Content-*
    return message


def smtp_send(smtp_url: str, message: EmailMessage) -> None:
    """Send one message (blocking: run it in a thread). ``smtp://[user:pw@]host[:port]``, or
    ``smtps://`` for TLS from the start; ``?starttls=1`` upgrades a plain connection."""
    parts = urlsplit(smtp_url)
    host = parts.hostname or "127.0.0.1"
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            host, parts.port or 465, timeout=30, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(host, parts.port or 25, timeout=30)
    with client:
        if "starttls=1" in parts.query:
            client.starttls(context=ssl.create_default_context())
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


# ---------------------------------------------------------------------------- sending


Sender = Callable[[str, EmailMessage], None]


async def _deliver(
    settings: Settings, key: str, kind: str, message: EmailMessage, at: datetime, send: Sender
) -> bool:
    token = secrets.token_hex(16)
    async with database().write() as db:
        if not await queries.claim(db, key, kind, token, at, MAX_ATTEMPTS):
            return False
    try:
        await asyncio.to_thread(send, settings.smtp_url, message)
    except (OSError, smtplib.SMTPException) as exc:
        attempts_wait = timedelta(minutes=5)
        async with database().write() as db:
            await queries.release(db, key, token, now() + attempts_wait, type(exc).__name__)
        log.warning("reminder %s not sent (%s); it will be tried again", key, type(exc).__name__)
        return False
    async with database().write() as db:
        await queries.mark_sent(db, key, token, now())
    return True


def base_url(settings: Settings) -> str:
    return (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")


async def send_due(
    settings: Settings, secret: str, *, at: datetime | None = None, send: Sender = smtp_send
) -> dict[str, int]:
    """Send every reminder and digest due at ``at`` that no sender has claimed; returns how
    many of each this call sent."""
    at = at or now()
    sent = {SESSION: 0, DIGEST: 0}
    root = base_url(settings)
    async with database().read() as db:
        due = (
            await queries.due_sessions(db, at, at + timedelta(minutes=settings.reminder_offsets[0]))
            if settings.reminder_offsets
            else []
        )
        waiting = await queries.awaiting(db, at, at - timedelta(days=DIGEST_DAYS))
    for row in due:
        language = _language(row["language"], settings.default_language)
        subject, body = _session_email({**row, "my_url": f"{root}/my"}, language)
        url = f"{root}/reminders/off/{unsubscribe_token(secret, member_id=row['member_id'])}"
        message = _message(settings, row["email"], subject, body, url, language)
        key = f"{SESSION}:{row['session_id']}:member:{row['member_id']}"
        sent[SESSION] += await _deliver(settings, key, SESSION, message, at, send)
    by_user: dict[int, list[dict[str, Any]]] = {}
    for row in waiting:
        by_user.setdefault(row["user_id"], []).append({**row, "base_url": root})
    for user_id, rows in by_user.items():
        language = _language(rows[0]["language"], settings.default_language)
        subject, body = _digest_email(rows, language)
        url = f"{root}/reminders/off/{unsubscribe_token(secret, user_id=user_id)}"
        message = _message(settings, rows[0]["email"], subject, body, url, language)
        key = f"{DIGEST}:{user_id}:{as_utc(at).date().isoformat()}"
        sent[DIGEST] += await _deliver(settings, key, DIGEST, message, at, send)
    return sent


async def run_forever(settings: Settings, secret: str, interval: float) -> None:
    """The server's background task: send what is due, then wait, until cancelled."""
    while True:
        try:
            await send_due(settings, secret)
        except asyncio.CancelledError:
            raise
        except Exception:  # a failed round is logged and the next one tries again
            log.exception("reminder round failed")
        await asyncio.sleep(interval)


def start(settings: Settings, secret: str) -> asyncio.Task | None:
    if not settings.smtp_url:
        return None
    return asyncio.create_task(run_forever(settings, secret, settings.reminder_interval))


async def stop(task: asyncio.Task | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
