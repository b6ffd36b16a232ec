"""Security headers on every response."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

# The schema browsers load their scripts from a CDN; every other page is same-origin only.
DEFAULT_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)
SCHEMA_CSP = (
    "default-src 'self' https:; img-src 'self' data: https:; style-src 'self' 'unsafe-inline' "
    "https:; script-src 'self' 'unsafe-inline' https:; frame-ancestors 'none'"
)


def _encoded(csp: str) -> tuple[tuple[bytes, bytes], ...]:
    return (
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
    )


# Encoded once: this runs on every response.
DEFAULT_HEADERS = _encoded(DEFAULT_CSP)
SCHEMA_HEADERS = _encoded(SCHEMA_CSP)


class SecurityHeadersMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        extra = SCHEMA_HEADERS if scope["path"].startswith("/schema") else DEFAULT_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        await next_app(scope, receive, send_with_headers)
