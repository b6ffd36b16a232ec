"""The application's own errors, and the one place that turns errors into HTTP problems.

Services raise these; controllers never build HTTP errors themselves. Every error response is
``application/problem+json`` (RFC 9457) with ``status``, ``title``, ``detail`` and, where one
field is at fault, ``field``.
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

logger = logging.getLogger("lingkar")

PROBLEM_JSON = "application/problem+json"


class LingkarError(Exception):
    status_code = 400
    title = "Bad request"

    def __init__(
        self, detail: str, *, field: str | None = None, extra: dict[str, Any] | None = None
    ):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra or {}


class NotFound(LingkarError):
    status_code = 404
    title = "Not found"


class Forbidden(LingkarError):
    status_code = 403
    title = "Forbidden"


class Unauthenticated(LingkarError):
    status_code = 401
    title = "Not logged in"


class Conflict(LingkarError):
    status_code = 409
    title = "Conflict"


class Invalid(LingkarError):
    """Input that is well-formed but breaks a rule (unknown member, purpose not declared...)."""

    status_code = 422
    title = "Invalid input"


class TooManyRequests(LingkarError):
    status_code = 429
    title = "Too many requests"


def problem(
    status: int, title: str, detail: str, *, field: str | None = None, **extra: Any
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"type": "about:blank", "status": status, "title": title}
    body["detail"] = detail
    if field is not None:
        body["field"] = field
    body.update(extra)
    headers = {}
    if status == 429 and "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_from_validation(extra: Any) -> tuple[str | None, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []
    if isinstance(extra, list):
        errors = [e for e in extra if isinstance(e, dict)]
    elif isinstance(extra, dict):
        errors = [extra]
    for error in errors:
        key = error.get("key")
        if key:
            return str(key), errors
    return None, errors


def _clean_validation_message(message: str) -> str:
    # msgspec says "Expected `int`, got `str` - at `$.capacity`"; the field goes in `field`.
    return message.split(" - at `")[0]


def _field_in_message(message: str) -> str | None:
    """Cross-field checks in ``__post_init__`` start their message with ``field: ...``."""
    head, sep, _ = message.partition(": ")
    if sep and head.replace("_", "").replace(".", "").isalnum() and " " not in head:
        return head
    return None


def lingkar_error_handler(request: Request, exc: LingkarError) -> Response:
    return problem(exc.status_code, exc.title, exc.detail, field=exc.field, **exc.extra)


_NAMED_FIELD = re.compile(r"(?:missing required|unknown) field `([^`]+)`")


def _resolve_field(key: str | None, message: str) -> str | None:
    base = None if key in (None, "data", "$", "body") else key.removeprefix("$.")
    named = _NAMED_FIELD.search(message)
    if named:
        return f"{base}.{named.group(1)}" if base else named.group(1)
    return base or _field_in_message(message)


def validation_error_handler(request: Request, exc: ValidationException) -> Response:
    """Malformed or mistyped input: 400, naming the field (``capacity``, ``records[3].status``)."""
    key, errors = _field_from_validation(exc.extra)
    detail = exc.detail
    if errors and errors[0].get("message"):
        detail = _clean_validation_message(str(errors[0]["message"]))
    if key == "data" and detail.strip("'\"") == "data":
        # Litestar names the whole body "data" when it is missing.
        return problem(400, "Invalid request", "A JSON request body is required.")
    return problem(400, "Invalid request", detail, field=_resolve_field(key, detail))


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    title = {
        401: "Not logged in",
        403: "Forbidden",
        404: "Not found",
        405: "Method not allowed",
        429: "Too many requests",
    }.get(exc.status_code, "Request failed")
    extra: dict[str, Any] = {}
    if isinstance(exc.extra, dict) and exc.extra:
        extra = {k: v for k, v in exc.extra.items() if isinstance(k, str)}
    response = problem(exc.status_code, title, exc.detail, **extra)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def internal_error_handler(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR, "Internal server error", "Something went wrong on our side."
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    LingkarError: lingkar_error_handler,
    ValidationException: validation_error_handler,
    NotAuthorizedException: http_error_handler,
    PermissionDeniedException: http_error_handler,
    HTTPException: http_error_handler,
    HTTP_500_INTERNAL_SERVER_ERROR: internal_error_handler,
}
