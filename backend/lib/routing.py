"""``OPTIONS`` answers with every method its path supports.

Litestar 2's automatic ``OPTIONS`` handler lists only the first method registered on a path
(litestar-org/litestar#4169, fixed in Litestar 3): this middleware writes the ``Allow`` header
from the route itself.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send


class AllowHeaderMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self) -> None:
        self._methods: dict[str, bytes] | None = None

    def _allowed(self, scope: Scope) -> bytes | None:
        if self._methods is None:
            self._methods = {
                route.path: ", ".join(sorted(route.methods)).encode()
                for route in scope["litestar_app"].routes
                if hasattr(route, "methods")
            }
        handler = scope.get("route_handler")
        for path in getattr(handler, "paths", ()):
            if path in self._methods:
                return self._methods[path]
        return None

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["method"] != "OPTIONS":
            await next_app(scope, receive, send)
            return
        allowed = self._allowed(scope)

        async def send_with_allow(message: Message) -> None:
            if allowed and message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"allow"]
                message["headers"] = [*headers, (b"allow", allowed)]
            await send(message)

        await next_app(scope, receive, send_with_allow)
