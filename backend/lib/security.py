"""Security headers on every response."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

# Every page, the schema browser included (its scripts are served by Lingkar), is same-origin
# only.
DEFAULT_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)
SCHEMA_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'"
)


REFERRER_POLICY = b"referrer-policy"


def _encoded(csp: str) -> tuple[tuple[bytes, bytes], ...]:
    return (
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (REFERRER_POLICY, b"same-origin"),
        (b"x-frame-options", b"DENY"),
    )


def _without_referrer_policy(
    headers: tuple[tuple[bytes, bytes], ...],
) -> tuple[tuple[bytes, bytes], ...]:
    return tuple(header for header in headers if header[0] != REFERRER_POLICY)


# Encoded once: this runs on every response.
DEFAULT_HEADERS = _encoded(DEFAULT_CSP)
SCHEMA_HEADERS = _encoded(SCHEMA_CSP)
# For responses that set their own, stricter referrer policy (calendar feeds: no-referrer).
OWN_REFERRER_POLICY = {
    DEFAULT_HEADERS: _without_referrer_policy(DEFAULT_HEADERS),
    SCHEMA_HEADERS: _without_referrer_policy(SCHEMA_HEADERS),
}


class SecurityHeadersMiddleware(ASGIMiddleware):
    """Adds the security headers to every response; a response's own referrer policy wins."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        extra = SCHEMA_HEADERS if scope["path"].startswith("/schema") else DEFAULT_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", ())
                added = extra
                if any(name.lower() == REFERRER_POLICY for name, _ in headers):
                    added = OWN_REFERRER_POLICY[extra]
                message["headers"] = [*headers, *added]
            await send(message)

        await next_app(scope, receive, send_with_headers)
