"""Who is calling: a cookie session resolved once per request, and the guards that use it."""

from __future__ import annotations

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from backend.accounts import service
from backend.accounts.schemas import CurrentUser
from backend.lib.i18n import N_
from backend.settings import Settings

SESSION_COOKIE = "lingkar_session"
# What an account with a temporary password may still do: change it (or log out).
PASSWORD_CHANGE_PATHS = frozenset(
    {
        "/api/v1/me",
        "/api/v1/me/password",
        "/api/v1/auth/logout",
        "/account/password",
        "/logout",
        "/language",
    }
)


class SessionAuthMiddleware(ASGIMiddleware):
    """Sets ``scope["user"]`` to the logged-in user or ``None``; guards decide what that allows."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        scope["user"] = None
        token = _cookie(scope, SESSION_COOKIE)
        if token:
            scope["user"] = await service.user_for_token(token)
            scope["auth"] = token
        await next_app(scope, receive, send)


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                cookie_name, _, cookie_value = part.strip().partition("=")
                if cookie_name == name and cookie_value:
                    return cookie_value
    return None


def session_cookie(token: str, settings: Settings, *, expire: bool = False) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value="" if expire else token,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
        max_age=0 if expire else settings.session_days * 86400,
    )


def client_address(connection: ASGIConnection) -> str:
    """The address the request came from (the socket's peer)."""
    return connection.client.host if connection.client else "unknown"


# Guards are coroutines: Litestar runs a plain function in a worker thread on every request.


def current_user(connection: ASGIConnection) -> CurrentUser:
    user = connection.scope.get("user")
    if user is None:
        raise NotAuthorizedException(N_("Log in to use this."), extra={"code": "not_logged_in"})
    if user.must_change_password and connection.scope["path"] not in PASSWORD_CHANGE_PATHS:
        raise PermissionDeniedException(
            N_("Choose a new password first: the one you logged in with was temporary."),
            extra={"code": "password_change_required"},
        )
    return user


async def requires_login(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    current_user(connection)


async def requires_staff(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if not current_user(connection).is_staff:
        raise PermissionDeniedException(
            N_("Only facilitators and admins can do this."), extra={"code": "staff_only"}
        )


async def requires_admin(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if not current_user(connection).is_admin:
        raise PermissionDeniedException(
            N_("Only admins can do this."), extra={"code": "admin_only"}
        )


async def requires_member(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if current_user(connection).member_id is None:
        raise PermissionDeniedException(
            N_("This is for members; your account has no member record."),
            extra={"code": "members_only"},
        )


async def provide_user(request: Request) -> CurrentUser:
    return current_user(request)
