"""Errors as HTTP problems (RFC 9457), registered once on the application.

Every error response of the API is ``application/problem+json`` with ``status``, ``title``,
``detail``, a stable ``code`` and, where one field is at fault, ``field``. A client error is
logged in one line, without a traceback; only an unexpected error logs one.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from backend.db.connections import DatabaseBusy
from backend.lib.errors import LingkarError, RuleBroken
from backend.lib.i18n import N_, format_message, translate
from backend.lib.validation import classify

logger = logging.getLogger("lingkar")

PROBLEM_JSON = "application/problem+json"
TITLES = {
    400: N_("Invalid request"),
    401: N_("Not logged in"),
    403: N_("Forbidden"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    412: N_("Precondition failed"),
    413: N_("Request too large"),
    415: N_("Unsupported media type"),
    422: N_("Invalid input"),
    429: N_("Too many requests"),
    503: N_("Service unavailable"),
}
# Litestar's own details, so that they too reach the reader in their language.
FRAMEWORK_DETAILS = (
    N_("Not Found"),
    N_("Method Not Allowed"),
    N_("Request Entity Too Large"),
    N_("Unsupported Media Type"),
    N_("Too Many Requests"),
    N_("CSRF token verification failed"),
)
CODES = {
    400: "bad_request",
    401: "not_logged_in",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


def request_language(request: Request) -> str:
    return request.scope.get("language", "en")


def title(status: int, request: Request, default: str = "Request failed") -> str:
    return translate(TITLES.get(status, default), request_language(request))


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    code: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "status": status,
        "title": title,
        "detail": detail,
        "code": code,
    }
    if field is not None:
        body["field"] = field
    body.update(extra)
    return Response(
        content=body, status_code=status, media_type=PROBLEM_JSON, headers=headers or {}
    )


def _log_client_error(request: Request, status: int, code: str) -> None:
    logger.info("%s %s -> %s %s", request.method, request.url.path, status, code)


def lingkar_error_handler(request: Request, exc: LingkarError) -> Response:
    _log_client_error(request, exc.status_code, exc.code)
    language = request_language(request)
    detail = format_message(exc.detail, exc.params, language)
    return problem(
        exc.status_code,
        translate(exc.title, language),
        detail,
        code=exc.code,
        field=exc.field,
        headers=exc.headers,
        **exc.extra,
    )


_NAMED_FIELD = re.compile(r"(?:missing required|unknown) field `([^`]+)`")


def validation_field(exc: ValidationException) -> tuple[str | None, str]:
    """The field at fault (``capacity``, ``records[3].status``) and msgspec's message."""
    errors: list[dict[str, Any]] = []
    if isinstance(exc.extra, list):
        errors = [e for e in exc.extra if isinstance(e, dict)]
    elif isinstance(exc.extra, dict):
        errors = [exc.extra]
    key = next((str(e["key"]) for e in errors if e.get("key")), None)
    message = str(errors[0].get("message") or exc.detail) if errors else str(exc.detail)
    message = message.split(" - at `")[0]
    base = None if key in (None, "data", "$", "body") else key.removeprefix("$.")
    named = _NAMED_FIELD.search(message)
    if named:
        return (f"{base}.{named.group(1)}" if base else named.group(1)), message
    if base is None:
        head, sep, _ = message.partition(": ")
        if sep and " " not in head and head.replace("_", "").replace(".", "").isalnum():
            base = head
    return base, message


def broken_rule(exc: BaseException) -> RuleBroken | None:
    """The rule across fields behind a validation error, if that is what it is."""
    seen = 0
    cause: BaseException | None = exc
    while cause is not None and seen < 5:
        if isinstance(cause, RuleBroken):
            return cause
        cause = cause.__cause__ or cause.__context__
        seen += 1
    return None


def validation_error_handler(request: Request, exc: ValidationException) -> Response:
    """Malformed or mistyped input: 400, naming the field, with a stable code
    (``capacity_out_of_range``) and a detail in the reader's language; a body of the right
    shape that breaks a rule across its fields: 422."""
    field, message = validation_field(exc)
    language = request_language(request)
    rule = broken_rule(exc)
    if rule is not None:
        _log_client_error(request, 422, "rule_broken")
        return problem(
            422,
            title(422, request),
            translate(rule.message, language),
            code="rule_broken",
            field=rule.field,
        )
    if field is None and message.strip("'\"") == "data":
        _log_client_error(request, 400, "body_required")
        return problem(
            400,
            title(400, request),
            translate(N_("A JSON request body is required."), language),
            code="body_required",
        )
    refusal = classify(field, message)
    _log_client_error(request, 400, refusal.code)
    return problem(
        400, title(400, request), refusal.message(language), code=refusal.code, field=field
    )


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    extra: dict[str, Any] = {}
    if isinstance(exc.extra, dict) and exc.extra:
        extra = {k: v for k, v in exc.extra.items() if isinstance(k, str) and k != "code"}
    code = (exc.extra or {}).get("code") if isinstance(exc.extra, dict) else None
    code = code or CODES.get(status, "request_failed")
    _log_client_error(request, status, code)
    return problem(
        status,
        title(status, request),
        translate(str(exc.detail), request_language(request)),
        code=code,
        headers=dict(exc.headers or {}),
        **extra,
    )


def busy_handler(request: Request, exc: DatabaseBusy) -> Response:
    logger.warning("%s %s -> 503: %s", request.method, request.url.path, exc)
    return problem(
        503,
        title(503, request),
        translate(N_("Lingkar is busy; try again in a moment."), request_language(request)),
        code="busy",
        headers={"Retry-After": "2"},
    )


def internal_error_handler(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        translate(N_("Internal server error"), request_language(request)),
        translate(N_("Something went wrong on our side."), request_language(request)),
        code="internal_error",
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    LingkarError: lingkar_error_handler,
    ValidationException: validation_error_handler,
    NotAuthorizedException: http_error_handler,
    PermissionDeniedException: http_error_handler,
    HTTPException: http_error_handler,
    DatabaseBusy: busy_handler,
    HTTP_500_INTERNAL_SERVER_ERROR: internal_error_handler,
}
