"""Server-rendered pages for facilitators, members and admins.

They call the same services as the API and work without JavaScript. Every form carries
Litestar's CSRF token.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from backend.accounts import service as accounts
from backend.accounts.auth import requires_admin, requires_login, requires_staff
from backend.accounts.controller import client_address, session_cookie
from backend.accounts.schemas import CurrentUser, UserCreate
from backend.domain.vocabulary import GROUP_KIND_LABELS, PHASE_LABELS, PURPOSES
from backend.groups import service as groups
from backend.groups.schemas import EnrolmentCreate, GroupCreate, MemberCreate
from backend.lib.errors import LingkarError, TooManyRequests, Unauthenticated
from backend.web import attendance_pages, schedule_pages

PURPOSE_TITLES = {p.code: p.title for p in PURPOSES}


def page(name: str, request: Request, status_code: int = 200, **context: Any) -> Template:
    base = {
        "user": request.scope.get("user"),
        "purposes": PURPOSES,
        "purpose_titles": PURPOSE_TITLES,
        "kind_labels": GROUP_KIND_LABELS,
        "phase_labels": PHASE_LABELS,
    }
    return Template(template_name=name, context={**base, **context}, status_code=status_code)


def validation_message(exc: msgspec.ValidationError) -> str:
    message = str(exc)
    text, _, where = message.partition(" - at `$.")
    return f"{where.rstrip('`')}: {text}" if where else message


def to_login(request: Request, exc: Exception) -> Response:
    return Redirect(path="/login")


def error_page(request: Request, exc: LingkarError) -> Response:
    return page(
        "error.html", request, status_code=exc.status_code, title=exc.title, detail=exc.detail
    )


def forbidden_page(request: Request, exc: PermissionDeniedException) -> Response:
    return page("error.html", request, status_code=403, title="Not for you", detail=exc.detail)


WEB_EXCEPTION_HANDLERS = {
    NotAuthorizedException: to_login,
    PermissionDeniedException: forbidden_page,
    LingkarError: error_page,
}


class PublicPages(Controller):
    path = "/"
    include_in_schema = False
    exception_handlers = WEB_EXCEPTION_HANDLERS

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
        email = str(form.get("email", "")).strip()
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
                flash_error=exc.detail,
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

    @get("/dashboard")
    async def dashboard(self, request: Request) -> Template:
        user = request.scope["user"]
        listing = await groups.list_groups(user)
        extra = await dashboard_extras(user)
        return page("dashboard.html", request, groups=listing.items, **extra)

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
        except msgspec.ValidationError as exc:
            return page(
                "group_form.html",
                request,
                status_code=422,
                form=raw,
                flash_error=validation_message(exc),
            )
        except LingkarError as exc:
            return page(
                "group_form.html",
                request,
                status_code=exc.status_code,
                form=raw,
                flash_error=exc.detail,
            )
        return Redirect(path=f"/groups/{group.id}")

    @get("/groups/{group_id:int}")
    async def group_page(self, request: Request, group_id: FromPath[int]) -> Template:
        return await render_group(request, group_id)

    @post("/groups/{group_id:int}/enrol")
    async def enrol(self, request: Request, group_id: FromPath[int]) -> Response:
        user = request.scope["user"]
        form = await request.form()
        try:
            await groups.require_group(user, group_id)
            member_id = str(form.get("member_id", "")).strip()
            if not member_id:
                member = await groups.create_member(
                    msgspec.convert(
                        {
                            "display_name": str(form.get("new_name", "")).strip(),
                            "email": str(form.get("new_email", "")).strip() or None,
                        },
                        MemberCreate,
                        strict=False,
                    )
                )
                member_id = str(member.id)
            result = await groups.enrol(
                user,
                group_id,
                msgspec.convert(
                    {"member_id": member_id, "consent_given": form.get("consent_given") == "1"},
                    EnrolmentCreate,
                    strict=False,
                ),
            )
        except msgspec.ValidationError as exc:
            return await render_group(
                request, group_id, status_code=422, flash_error=validation_message(exc)
            )
        except LingkarError as exc:
            return await render_group(
                request, group_id, status_code=exc.status_code, flash_error=exc.detail
            )
        message = (
            "Enrolled."
            if result.status == "active"
            else f"The group is full: the member is number {result.waitlist_position} "
            "on the waiting list."
        )
        return await render_group(request, group_id, flash_ok=message)

    @post("/groups/{group_id:int}/members/{member_id:int}/end")
    async def end_membership(
        self, request: Request, group_id: FromPath[int], member_id: FromPath[int]
    ) -> Redirect:
        await groups.end_membership(request.scope["user"], group_id, member_id)
        return Redirect(path=f"/groups/{group_id}#roster")


async def render_group(
    request: Request, group_id: int, status_code: int = 200, **context: Any
) -> Template:
    user = request.scope["user"]
    group = await groups.get_group(user, group_id)
    roster = await groups.roster(user, group_id)
    enrolled = {m.member_id for m in roster.active + roster.waitlist}
    candidates = [
        m for m in (await groups.list_members(None, 500, 0)).items if m.id not in enrolled
    ]
    extra = await group_extras(user, group_id)
    return page(
        "group.html",
        request,
        status_code=status_code,
        group=group,
        roster=roster,
        candidates=candidates,
        **extra,
        **context,
    )


async def dashboard_extras(user: CurrentUser) -> dict[str, Any]:
    return {
        **await schedule_pages.dashboard_context(user),
        **await attendance_pages.dashboard_context(user),
    }


async def group_extras(user: CurrentUser, group_id: int) -> dict[str, Any]:
    return {
        **await schedule_pages.group_context(user, group_id),
        **await attendance_pages.group_context(user, group_id),
    }


async def my_extras(user: CurrentUser) -> dict[str, Any]:
    return {**await schedule_pages.my_context(user), **await attendance_pages.my_context(user)}


class AdminPages(Controller):
    path = "/admin"
    include_in_schema = False
    guards = [requires_admin]
    exception_handlers = WEB_EXCEPTION_HANDLERS

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
        except msgspec.ValidationError as exc:
            status, flash = 422, {"flash_error": validation_message(exc)}
        except LingkarError as exc:
            status, flash = exc.status_code, {"flash_error": exc.detail}
        listing = await accounts.list_users(limit=500)
        return page("users.html", request, status_code=status, users=listing.items, **flash)


class MemberPages(Controller):
    path = "/my"
    include_in_schema = False
    guards = [requires_login]
    exception_handlers = WEB_EXCEPTION_HANDLERS

    @get("/")
    async def my_page(self, request: Request) -> Template:
        return page("my.html", request, **await my_extras(request.scope["user"]))


WEB_CONTROLLERS = (
    PublicPages,
    StaffPages,
    AdminPages,
    MemberPages,
    *schedule_pages.CONTROLLERS,
    *attendance_pages.CONTROLLERS,
)
