from __future__ import annotations

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from backend.accounts import service
from backend.accounts.auth import client_address, requires_admin, requires_login, session_cookie
from backend.accounts.schemas import (
    CurrentUser,
    LoginInput,
    MemberLogin,
    MeUpdate,
    PasswordChange,
    TemporaryPassword,
    UserCreate,
    UserList,
    UserRead,
)
from backend.lib.types import LimitParam, OffsetParam, UserId
from backend.settings import Settings


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["accounts"]

    @post("/login", status_code=200, summary="Log in and receive a session cookie")
    async def login(self, data: JSONBody[LoginInput], request: Request) -> Response[CurrentUser]:
        settings: Settings = request.app.state.settings
        token, user = await service.login(
            data.email,
            data.password,
            client_address(request),
            attempts_per_minute=settings.login_attempts_per_minute,
            session_days=settings.session_days,
        )
        old_token = request.scope.get("auth")
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

    @get(
        "/",
        summary="Who am I",
        description="Also sets the `csrftoken` cookie that writes echo in `X-CSRFToken`.",
        opt={"csrf_cookie": "api"},
    )
    async def me(self, user: NamedDependency[CurrentUser]) -> CurrentUser:
        return user

    @patch(
        "/",
        summary="Change my language",
        description="`language` (`en` or `id`) is used for pages and API messages; `null` goes "
        "back to the browser's `Accept-Language`.",
    )
    async def update_me(
        self, user: NamedDependency[CurrentUser], data: JSONBody[MeUpdate]
    ) -> CurrentUser:
        return await service.set_language(user, data.language)

    @post("/password", status_code=204, summary="Change my password")
    async def change_password(
        self, request: Request, user: NamedDependency[CurrentUser], data: JSONBody[PasswordChange]
    ) -> None:
        await service.change_password(user, data, request.scope.get("auth"))


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["accounts"]
    guards = [requires_admin]

    @get("/", summary="List users (admins)")
    async def list_users(self, limit: LimitParam = 100, offset: OffsetParam = 0) -> UserList:
        return await service.list_users(limit=limit, offset=offset)

    @post("/", summary="Create an admin or facilitator account (admins)")
    async def create_user(self, data: JSONBody[UserCreate]) -> UserRead:
        return await service.create_user(data)

    @post(
        "/{user_id:int}/temporary-password",
        status_code=200,
        summary="Give an account a temporary password (admins)",
        description="The password is shown once and must be changed at the next login; the "
        "account's login sessions end.",
    )
    async def reset_password(
        self, user: NamedDependency[CurrentUser], user_id: UserId
    ) -> TemporaryPassword:
        return await service.reset_password(user, user_id)

    @post("/{user_id:int}/deactivate", status_code=200, summary="Deactivate an account (admins)")
    async def deactivate(self, user: NamedDependency[CurrentUser], user_id: UserId) -> UserRead:
        return await service.set_active(user, user_id, False)

    @post("/{user_id:int}/reactivate", status_code=200, summary="Reactivate an account (admins)")
    async def reactivate(self, user: NamedDependency[CurrentUser], user_id: UserId) -> UserRead:
        return await service.set_active(user, user_id, True)

    @post(
        "/member-logins",
        summary="Give a member on record a login (admins)",
        description="Returns a temporary password, shown once, to be changed at first login.",
    )
    async def member_login(
        self, user: NamedDependency[CurrentUser], data: JSONBody[MemberLogin]
    ) -> TemporaryPassword:
        return await service.give_member_login(user, data)
