"""Rendering pages: the one module every page controller uses, and that uses none of them.

It turns a template and its context into a response in the reader's language (Jinja2's i18n
extension over the Babel catalogs; dates, times and numbers through Babel), turns errors into
words for a person (never msgspec's text, a regular expression or an internal id), carries a
short message across a redirect (post/redirect/get), and renders the error pages.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import msgspec
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.exceptions import (
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect, Template

from backend.domain.vocabulary import (
    ABSENCE_REASON_LABELS,
    CONTACT_OUTCOME_LABELS,
    GROUP_KIND_LABELS,
    PARTICIPATION_LABELS,
    PHASE_LABELS,
    PURPOSES,
    PURPOSES_BY_CODE,
    ROLE_LABELS,
    STATUS_LABELS,
    AttendanceStatus,
    ContactOutcome,
    FollowUpReason,
    MembershipStatus,
    SessionStatus,
    in_language,
)
from backend.lib.errors import LingkarError
from backend.lib.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    LANGUAGES,
    N_,
    format_clock,
    format_day,
    format_message,
    format_number,
    format_share,
    format_when,
    translate,
    translate_plural,
    zone_abbreviation,
)
from backend.lib.problems import validation_field
from backend.lib.validation import classify, from_msgspec

FLASH_COOKIE = "lingkar_flash"
FLASH_SECONDS = 60
LABELS = {
    "kind": GROUP_KIND_LABELS,
    "phase": PHASE_LABELS,
    "status": STATUS_LABELS,
    "participation": PARTICIPATION_LABELS,
    "role": ROLE_LABELS,
    "outcome": CONTACT_OUTCOME_LABELS,
    "reason": ABSENCE_REASON_LABELS,
}


def language(request: Request) -> str:
    return request.scope.get("language", DEFAULT_LANGUAGE)


def _(request: Request, message: str, **params: Any) -> str:
    """``message`` (a catalog message) in the reader's language, with ``{name}`` params."""
    return format_message(message, params or None, language(request))


# ---------------------------------------------------------------------------- templates


@pass_context
def _gettext(context: Context, message: str) -> str:
    return translate(message, context.get("lang", DEFAULT_LANGUAGE))


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return translate_plural(singular, plural, count, context.get("lang", DEFAULT_LANGUAGE))


@pass_context
def _when(
    context: Context,
    moment: datetime,
    timezone: str | None = None,
    width: str = "full",
    zone: bool | None = None,
) -> str:
    """A moment in the group's zone: ``Selasa, 24 November 2026 · 00.30`` (with ``WIB`` where
    the reader's groups are in several zones, or when asked)."""
    if isinstance(moment, str):  # a time from an error's details (ISO 8601)
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    timezone = timezone or context.get("timezone") or "UTC"
    show = context.get("show_zone", False) if zone is None else zone
    return format_when(
        moment, timezone, context.get("lang", DEFAULT_LANGUAGE), width=width, zone=show
    )


@pass_context
def _day(
    context: Context, value: date | datetime, timezone: str | None = None, width: str = "full"
) -> str:
    if isinstance(value, datetime) and timezone:
        value = value.astimezone(ZoneInfo(timezone))
    return format_day(value, context.get("lang", DEFAULT_LANGUAGE), width)


@pass_context
def _clock(context: Context, value: datetime, timezone: str | None = None) -> str:
    if timezone:
        value = value.astimezone(ZoneInfo(timezone))
    return format_clock(value, context.get("lang", DEFAULT_LANGUAGE))


@pass_context
def _zone(context: Context, moment: datetime, timezone: str) -> str:
    return zone_abbreviation(moment.astimezone(ZoneInfo(timezone)))


@pass_context
def _share(context: Context, value: float | None) -> str:
    return format_share(value, context.get("lang", DEFAULT_LANGUAGE))


@pass_context
def _number(context: Context, value: float | int) -> str:
    return format_number(value, context.get("lang", DEFAULT_LANGUAGE))


@pass_context
def _purpose(context: Context, code: str) -> str:
    purpose = PURPOSES_BY_CODE.get(code)
    return purpose.title_in(context.get("lang", DEFAULT_LANGUAGE)) if purpose else code


def _label_filter(vocabulary: dict[str, tuple[str, str]]) -> Any:
    @pass_context
    def label(context: Context, code: str | None) -> str:
        if not code:
            return ""
        pair = vocabulary.get(code)
        return in_language(pair, context.get("lang", DEFAULT_LANGUAGE)) if pair else str(code)

    return label


def install_i18n(env: Environment) -> None:
    """Jinja2's i18n extension with the catalogs (``{% trans %}``, ``_()``), and the filters
    that show dates, numbers and the vocabulary in the reader's language."""
    env.add_extension("jinja2.ext.i18n")
    # Line breaks inside {% trans %} blocks are not part of the message (see babel.cfg).
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, newstyle=True
    )
    env.filters.update(
        when=_when,
        day=_day,
        clock=_clock,
        zone=_zone,
        share=_share,
        number=_number,
        purpose=_purpose,
        **{name: _label_filter(vocabulary) for name, vocabulary in LABELS.items()},
    )
    env.globals.update(
        PURPOSES=PURPOSES,
        SessionStatus=SessionStatus,
        AttendanceStatus=AttendanceStatus,
        MembershipStatus=MembershipStatus,
        ContactOutcome=ContactOutcome,
        FollowUpReason=FollowUpReason,
        GROUP_KINDS=tuple(GROUP_KIND_LABELS),
        PHASES=tuple(PHASE_LABELS),
        ABSENCE_REASONS=tuple(ABSENCE_REASON_LABELS),
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )


def here(request: Request) -> str:
    """This page's address, to come back to after switching the language."""
    query = request.scope.get("query_string", b"").decode("latin-1")
    return request.url.path + (f"?{query}" if query else "")


def page(name: str, request: Request, status_code: int = 200, **context: Any) -> Template:
    flash = read_flash(request)
    base: dict[str, Any] = {
        "user": request.scope.get("user"),
        "lang": language(request),
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "here": here(request),
    }
    if flash is not None:
        kind, text, extra = flash
        base[f"flash_{kind}"] = text
        if extra:
            base["flash_extra"] = extra
    template = Template(template_name=name, context={**base, **context}, status_code=status_code)
    if flash is not None:
        template.cookies.append(Cookie(key=FLASH_COOKIE, value="", max_age=0, path="/"))
    return template


# ---------------------------------------------------------------------------- flash messages


def _signature(request: Request, payload: str) -> str:
    key = str(request.app.state.secret_key).encode()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()[:32]


def flash_cookie(
    request: Request, kind: str, text: str, extra: dict[str, str] | None = None
) -> Cookie:
    """A message for the next page (``ok`` or ``error``, with ``extra`` values such as a
    temporary password to show once), signed, HttpOnly, kept a minute at most."""
    body = json.dumps([kind, text, extra or {}], ensure_ascii=True).encode()
    payload = base64.urlsafe_b64encode(body).decode().rstrip("=")
    return Cookie(
        key=FLASH_COOKIE,
        value=f"{payload}.{_signature(request, payload)}",
        max_age=FLASH_SECONDS,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.cookie_secure,
    )


def read_flash(request: Request) -> tuple[str, str, dict[str, str]] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw or "." not in raw:
        return None
    payload, _, signature = raw.rpartition(".")
    if not hmac.compare_digest(signature, _signature(request, payload)):
        return None
    try:
        kind, text, extra = json.loads(
            base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        )
    except (ValueError, TypeError):
        return None
    if kind not in ("ok", "error") or not isinstance(text, str) or not isinstance(extra, dict):
        return None
    return kind, text, extra


def safe_path(target: str, fallback: str = "/") -> str:
    """A path on this site only (never another host), for redirects to a page."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def redirect(
    request: Request,
    path: str,
    *,
    ok: str | None = None,
    error: str | None = None,
    extra: dict[str, str] | None = None,
) -> Redirect:
    """303 to ``path`` (post/redirect/get), carrying a message already in the reader's
    language."""
    cookies = []
    if ok:
        cookies.append(flash_cookie(request, "ok", ok, extra))
    elif error:
        cookies.append(flash_cookie(request, "error", error, extra))
    return Redirect(path=safe_path(path), status_code=303, cookies=cookies)


# ---------------------------------------------------------------------------- errors


def label_of(request: Request, labels: dict[str, str] | None, field: str | None) -> str | None:
    """The form label of ``field`` (``person.display_name`` or its leaf ``display_name``)."""
    if not labels or not field:
        return None
    leaf = field.rsplit(".", 1)[-1]
    for key in (field, leaf):
        if key in labels:
            return translate(labels[key], language(request))
    return None


def error_text(request: Request, exc: Exception, labels: dict[str, str] | None = None) -> str:
    """What went wrong, for a person: a service's own message, or a refused value said with
    the form's label of the field."""
    if isinstance(exc, LingkarError):
        return format_message(exc.detail, exc.params, language(request))
    if isinstance(exc, msgspec.ValidationError):
        refusal = from_msgspec(str(exc))
        return refusal.message(language(request), label_of(request, labels, refusal.field))
    return translate(str(exc), language(request))


def error_field(exc: Exception) -> str | None:
    """The field at fault (API name), for marking it on the form."""
    if isinstance(exc, LingkarError):
        return exc.field
    if isinstance(exc, msgspec.ValidationError):
        return from_msgspec(str(exc)).field
    return None


def to_login(request: Request, exc: Exception) -> Response:
    return Redirect(path="/login", status_code=303)


def error_page(request: Request, exc: LingkarError) -> Response:
    return page(
        "error.html",
        request,
        status_code=exc.status_code,
        title=translate(exc.title, language(request)),
        detail=error_text(request, exc),
    )


def forbidden_page(request: Request, exc: PermissionDeniedException) -> Response:
    if isinstance(exc.extra, dict) and exc.extra.get("code") == "password_change_required":
        return Redirect(path="/account/password", status_code=303)
    return page(
        "error.html",
        request,
        status_code=403,
        title=_(request, N_("Not for you")),
        detail=translate(str(exc.detail), language(request)),
    )


def bad_request_page(request: Request, exc: ValidationException) -> Response:
    field, message = validation_field(exc)
    refusal = classify(field, message)
    return page(
        "error.html",
        request,
        status_code=400,
        title=_(request, N_("Not a valid address")),
        detail=refusal.message(language(request), field),
    )


WEB_EXCEPTION_HANDLERS = {
    NotAuthorizedException: to_login,
    PermissionDeniedException: forbidden_page,
    ValidationException: bad_request_page,
    LingkarError: error_page,
}
