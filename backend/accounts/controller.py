from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import Provide

from backend.accounts import service
from backend.accounts.auth import SESSION_COOKIE, provide_user, requires_admin, requires_login
from backend.accounts.schemas import CurrentUser, LoginInput, UserCreate, UserList, UserRead
from backend.lib.types import LimitParam, OffsetParam
from backend.settings import Settings


def client_address(request: Request) -> str:
    """The address the request came from (the socket's peer)."""
    return request.client.host if request.client else "unknown"


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


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["accounts"]

    @post("/login", status_code=200, summary="Log in and receive a session cookie")
    async def login(self, data: LoginInput, request: Request) -> Response[CurrentUser]:
        settings: Settings = request.app.state.settings
        old_token = request.scope.get("auth")
        token, user = await service.login(
            data.email,
            data.password,
            client_address(request),
            attempts_per_minute=settings.login_attempts_per_minute,
            session_days=settings.session_days,
        )
        if old_token:
            # A fresh session id at every login; the previous one stops working.
            await service.logout(old_token)
        return Response(user, cookies=[session_cookie(token, settings)])

    @post("/logout", status_code=204, guards=[requires_login], summary="End this session")
    async def logout(self, request: Request) -> Response[None]:
        token = request.scope.get("auth")
        if token:
            await service.logout(token)
        return Response(
            None,
            status_code=204,
            cookies=[session_cookie("", request.app.state.settings, expire=True)],
        )


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["accounts"]
    guards = [requires_login]
    dependencies = {"user": Provide(provide_user)}

    @get("/", summary="Who am I")
    async def me(self, user: CurrentUser) -> CurrentUser:
        return user


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["accounts"]
    guards = [requires_admin]

    @get("/", summary="List users (admins)")
    async def list_users(
        self,
        limit: LimitParam = 100,
        offset: OffsetParam = 0,
    ) -> UserList:
        return await service.list_users(limit=limit, offset=offset)

    @post("/", summary="Create an admin or facilitator account (admins)")
    async def create_user(self, data: UserCreate) -> UserRead:
        return await service.create_user(data)
