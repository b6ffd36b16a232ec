"""The application's own errors, and the one place that turns errors into HTTP problems.

Services raise these; controllers never build HTTP errors themselves. Every error response is
``application/problem+json`` (RFC 9457) with ``status``, ``title``, ``detail``, a stable
``code`` and, where one field is at fault, ``field``. ``detail`` is a message of the catalogs
(marked with :func:`backend.lib.i18n.N_` where it is raised), formatted with ``params`` in the
reader's language when the response is built.
"""

from __future__ import annotations

from typing import Any, ClassVar

from backend.lib.i18n import N_


class RuleBroken(ValueError):
    """A rule across the fields of a request body, raised by its struct's ``__post_init__``:
    the body has the right shape but breaks a rule (422). ``message`` is a catalog message."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class LingkarError(Exception):
    status_code: ClassVar[int] = 400
    title: ClassVar[str] = N_("Bad request")
    default_code: ClassVar[str] = "bad_request"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        code: str | None = None,
        params: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.code = code or self.default_code
        self.params = params or {}
        self.extra = extra or {}
        self.headers = headers or {}


class BadRequest(LingkarError):
    """Malformed input: not the right shape or type."""


class NotFound(LingkarError):
    status_code = 404
    title = N_("Not found")
    default_code = "not_found"


class Forbidden(LingkarError):
    status_code = 403
    title = N_("Forbidden")
    default_code = "forbidden"


class Unauthenticated(LingkarError):
    status_code = 401
    title = N_("Not logged in")
    default_code = "not_logged_in"


class Conflict(LingkarError):
    status_code = 409
    title = N_("Conflict")
    default_code = "conflict"


class PreconditionFailed(LingkarError):
    status_code = 412
    title = N_("Precondition failed")
    default_code = "stale_version"


class Invalid(LingkarError):
    """Input that is well-formed but breaks a rule (unknown member, purpose not declared...)."""

    status_code = 422
    title = N_("Invalid input")
    default_code = "invalid"


class TooManyRequests(LingkarError):
    status_code = 429
    title = N_("Too many requests")
    default_code = "too_many_requests"

    def __init__(self, detail: str, *, retry_after: int, **kwargs: Any) -> None:
        retry_after = max(int(retry_after), 1)
        super().__init__(
            detail,
            headers={"Retry-After": str(retry_after)},
            extra={"retry_after": retry_after},
            **kwargs,
        )


class Unavailable(LingkarError):
    status_code = 503
    title = N_("Service unavailable")
    default_code = "busy"
