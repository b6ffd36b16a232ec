"""Server-rendered pages for facilitators, members and admins.

Each action calls one service function; each page gets its data from :mod:`backend.web.views`
and is rendered by :mod:`backend.web.render`. The pages work without JavaScript, and every form
carries Litestar's CSRF token.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from backend.accounts import service as accounts
from backend.accounts.auth import (
    client_address,
    requires_admin,
    requires_login,
    requires_member,
    requires_staff,
    session_cookie,
)
from backend.accounts.schemas import CurrentUser, UserCreate
from backend.calendar import service as calendar
from backend.domain.vocabulary import MembershipStatus
from backend.groups import service as groups
from backend.groups.schemas import EnrolmentCreate, GroupCreate, NewPersonEnrolment
from backend.lib.errors import LingkarError, TooManyRequests, Unauthenticated
from backend.lib.types import GroupId, MemberId
from backend.web import attendance_pages, schedule_pages, views
from backend.web.group_page import render_group
from backend.web.render import WEB_EXCEPTION_HANDLERS, error_text, page

PAGE_OPT = {"csrf_cookie": True}


def _field(form: Any, name: str) -> str:
    return str(form.get(name, "")).strip()


class PublicPages(Controller):
    path = "/"
    include_in_schema = False
    exception_handlers = WEB_EXCEPTION_HANDLERS
    opt = PAGE_OPT

    @get("/")
    async def home(self, request: Request) -> Redirect:
        user: CurrentUser | None = request.scope.get("user")
        if user is None:
            return Redirect(path="/login")
        return Redirect(path="/dashboard" if user.is_staff else "/my")

    @get("/login")
    async def login_form(self, request: Request) -> Template:
        return page("login.html", request)

    @post("/login")
    async def login(self, request: Request) -> Response:
        form = await request.form()
        email = _field(form, "email")
        password = str(form.get("password", ""))
        settings = request.app.state.settings
        try:
            token, user = await accounts.login(
                email,
                password,
                client_address(request),
                attempts_per_minute=settings.login_attempts_per_minute,
                session_days=settings.session_days,
            )
        except (Unauthenticated, TooManyRequests) as exc:
            response = page(
                "login.html",
                request,
                status_code=exc.status_code,
                flash_error=error_text(request, exc),
                email=email,
            )
            if "retry_after" in exc.extra:
                response.headers["Retry-After"] = str(exc.extra["retry_after"])
            return response
        old_token = request.scope.get("auth")
        if old_token:
            await accounts.logout(old_token)
        return Redirect(
            path="/dashboard" if user.is_staff else "/my",
            cookies=[session_cookie(token, request.app.state.settings)],
        )

    @post("/logout", guards=[requires_login])
    async def logout(self, request: Request) -> Redirect:
        token = request.scope.get("auth")
        if token:
            await accounts.logout(token)
        return Redirect(
            path="/login",
            cookies=[session_cookie("", request.app.state.settings, expire=True)],
        )


class StaffPages(Controller):
    path = "/"
    include_in_schema = False
    guards = [requires_staff]
    exception_handlers = WEB_EXCEPTION_HANDLERS
    opt = PAGE_OPT

    @get("/dashboard")
    async def dashboard(self, request: Request) -> Template:
        return page("dashboard.html", request, **await views.dashboard(request.scope["user"]))

    @get("/groups/new")
    async def new_group_form(self, request: Request) -> Template:
        return page("group_form.html", request, form={})

    @post("/groups/new")
    async def create_group(self, request: Request) -> Response:
        form = await request.form()
        raw = {
            "name": form.get("name", ""),
            "kind": form.get("kind", ""),
            "purposes": form.getall("purposes") if "purposes" in form else [],
            "capacity": form.get("capacity", ""),
            "timezone": form.get("timezone", ""),
            "phase": form.get("phase", "engagement"),
            "location": form.get("location", ""),
            "description": form.get("description", ""),
        }
        try:
            data = msgspec.convert(raw, GroupCreate, strict=False)
            group = await groups.create_group(request.scope["user"], data)
        except (msgspec.ValidationError, LingkarError) as exc:
            return page(
                "group_form.html",
                request,
                status_code=getattr(exc, "status_code", 422),
                form=raw,
                flash_error=error_text(request, exc),
            )
        return Redirect(path=f"/groups/{group.id}")

    @get("/groups/{group_id:int}")
    async def group_page(self, request: Request, group_id: GroupId) -> Template:
        return await render_group(request, group_id)

    @post("/groups/{group_id:int}/enrol")
    async def enrol(self, request: Request, group_id: GroupId) -> Response:
        user = request.scope["user"]
        form = await request.form()
        consent = form.get("consent_given") == "1"
        member_id = _field(form, "member_id")
        try:
            if member_id:
                data = msgspec.convert(
                    {"member_id": member_id, "consent_given": consent},
                    EnrolmentCreate,
                    strict=False,
                )
                result = await groups.enrol(user, group_id, data)
            else:
                person = {
                    "display_name": _field(form, "new_name"),
                    "email": _field(form, "new_email") or None,
                    "phone": _field(form, "new_phone") or None,
                }
                new = msgspec.convert(
                    {"person": person, "consent_given": consent},
                    NewPersonEnrolment,
                    strict=False,
                )
                result = await groups.enrol_new_person(user, group_id, new)
        except (msgspec.ValidationError, LingkarError) as exc:
            return await render_group(
                request,
                group_id,
                status_code=getattr(exc, "status_code", 422),
                flash_error=error_text(request, exc),
            )
        message = (
            "Enrolled."
            if result.status == MembershipStatus.ACTIVE
            else f"The group is full: the member is number {result.waitlist_position} "
            "on the waiting list."
        )
        return await render_group(request, group_id, flash_ok=message)

    @post("/groups/{group_id:int}/members/{member_id:int}/end")
    async def end_membership(
        self, request: Request, group_id: GroupId, member_id: MemberId
    ) -> Redirect:
        await groups.end_membership(request.scope["user"], group_id, member_id)
        return Redirect(path=f"/groups/{group_id}#roster")


class AdminPages(Controller):
    path = "/admin"
    include_in_schema = False
    guards = [requires_admin]
    exception_handlers = WEB_EXCEPTION_HANDLERS
    opt = PAGE_OPT

    @get("/users")
    async def users(self, request: Request) -> Template:
        listing = await accounts.list_users(limit=500)
        return page("users.html", request, users=listing.items)

    @post("/users")
    async def add_user(self, request: Request) -> Template:
        form = await request.form()
        raw = {k: str(form.get(k, "")) for k in ("email", "display_name", "role", "password")}
        status, flash = 201, {}
        try:
            created = await accounts.create_user(msgspec.convert(raw, UserCreate, strict=False))
            flash = {"flash_ok": f"Added {created.display_name} as {created.role}."}
        except (msgspec.ValidationError, LingkarError) as exc:
            status = getattr(exc, "status_code", 422)
            flash = {"flash_error": error_text(request, exc)}
        listing = await accounts.list_users(limit=500)
        return page("users.html", request, status_code=status, users=listing.items, **flash)


class MemberPages(Controller):
    path = "/my"
    include_in_schema = False
    guards = [requires_login]
    exception_handlers = WEB_EXCEPTION_HANDLERS
    opt = PAGE_OPT

    @get("/")
    async def my_page(self, request: Request) -> Template:
        return page("my.html", request, **await views.my_page(request.scope["user"]))

    @get("/calendar-link", guards=[requires_member])
    async def calendar_link(self, request: Request) -> Template:
        return await self._calendar(request)

    @post("/calendar-link/reset", guards=[requires_member])
    async def reset_calendar_link(self, request: Request) -> Template:
        await calendar.revoke_calendar_token(request.scope["user"].member_id)
        return await self._calendar(
            request, flash_ok="Your old link no longer works; here is the new one."
        )

    async def _calendar(self, request: Request, **context: Any) -> Template:
        user = request.scope["user"]
        token = await calendar.calendar_token(user.member_id, request.app.state.secret_key)
        return page(
            "my.html",
            request,
            **await views.my_page(user),
            schedule_calendar_url=calendar.feed_url(str(request.base_url), token),
            **context,
        )


WEB_CONTROLLERS = (
    PublicPages,
    StaffPages,
    AdminPages,
    MemberPages,
    *schedule_pages.CONTROLLERS,
    *attendance_pages.CONTROLLERS,
)
