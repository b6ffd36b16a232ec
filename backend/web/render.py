"""Rendering pages: the one module every page controller uses, and that uses none of them.

It turns a template and its context into a response, turns errors into words for a person
(never msgspec's or a regular expression's), and renders the error pages.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import (
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect, Template

from backend.domain.vocabulary import (
    GROUP_KIND_LABELS,
    PHASE_LABELS,
    PURPOSES,
    AttendanceStatus,
    MembershipStatus,
    SessionStatus,
)
from backend.lib.errors import LingkarError
from backend.lib.i18n import format_message
from backend.lib.problems import validation_field

PURPOSE_TITLES = {p.code: p.title for p in PURPOSES}


def language(request: Request) -> str:
    return request.scope.get("language", "en")


def page(name: str, request: Request, status_code: int = 200, **context: Any) -> Template:
    base = {
        "user": request.scope.get("user"),
        "lang": language(request),
        "purposes": PURPOSES,
        "purpose_titles": PURPOSE_TITLES,
        "kind_labels": GROUP_KIND_LABELS,
        "phase_labels": PHASE_LABELS,
        "SessionStatus": SessionStatus,
        "AttendanceStatus": AttendanceStatus,
        "MembershipStatus": MembershipStatus,
    }
    return Template(template_name=name, context={**base, **context}, status_code=status_code)


def error_text(request: Request, exc: Exception) -> str:
    """What went wrong, for a person."""
    if isinstance(exc, LingkarError):
        return format_message(exc.detail, exc.params, language(request))
    if isinstance(exc, msgspec.ValidationError):
        text, _, where = str(exc).partition(" - at `$.")
        return f"{where.rstrip('`')}: {text}" if where else text
    return str(exc)


def to_login(request: Request, exc: Exception) -> Response:
    return Redirect(path="/login")


def error_page(request: Request, exc: LingkarError) -> Response:
    return page(
        "error.html",
        request,
        status_code=exc.status_code,
        title=exc.title,
        detail=error_text(request, exc),
    )


def forbidden_page(request: Request, exc: PermissionDeniedException) -> Response:
    return page("error.html", request, status_code=403, title="Not for you", detail=exc.detail)


def bad_request_page(request: Request, exc: ValidationException) -> Response:
    field, message = validation_field(exc)
    detail = f"{field}: {message}" if field else message
    return page("error.html", request, status_code=400, title="Not a valid address", detail=detail)


WEB_EXCEPTION_HANDLERS = {
    NotAuthorizedException: to_login,
    PermissionDeniedException: forbidden_page,
    ValidationException: bad_request_page,
    LingkarError: error_page,
}
