"""Server-rendered pages for facilitators, members and admins.

Each action calls one service function; each page gets its data from :mod:`backend.web.views`
and is rendered by :mod:`backend.web.render`. The pages work without JavaScript, and every form
carries Litestar's CSRF token. Every form is post/redirect/get: a successful post answers 303
to the page (and the section) where it happened, with a short message; a refused one shows the
form again with what was typed and the reason in words; a GET on a form's address goes back to
its page, so reloading never shows an error.
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
from backend.accounts.schemas import CurrentUser, MemberLogin, PasswordChange, UserCreate
from backend.calendar import service as calendar
from backend.domain.vocabulary import MembershipStatus
from backend.groups import service as groups
from backend.groups.schemas import EnrolmentCreate, GroupCreate, NewPersonEnrolment
from backend.lib.errors import Conflict, LingkarError, TooManyRequests, Unauthenticated
from backend.lib.i18n import N_, language_cookie_header, supported
from backend.lib.types import GroupId, MemberId, UserId
from backend.web import (
    attendance_pages,
    followup_pages,
    member_pages,
    reminder_pages,
    schedule_pages,
    views,
)
from backend.web.group_page import render_group
from backend.web.render import (
    WEB_EXCEPTION_HANDLERS,
    _,
    error_field,
    error_text,
    page,
    redirect,
    safe_path,
)

PAGE_OPT = {"csrf_cookie": True}
GROUP_LABELS = {
    "name": N_("Name"),
    "kind": N_("Kind"),
    "purposes": N_("Purposes"),
    "capacity": N_("Capacity"),
    "timezone": N_("Time zone"),
    "phase": N_("Phase"),
    "location": N_("Usual place"),
    "description": N_("Description"),
}
ENROL_LABELS = {
    "member_id": N_("Existing member"),
    "display_name": N_("Name"),
    "email": N_("Email"),
    "phone": N_("Phone"),
    "language": N_("Language for messages"),
    "joined_on": N_("Joined on"),
    "consent_given": N_("Consent"),
}
USER_LABELS = {
    "display_name": N_("Name"),
    "email": N_("Email"),
    "role": N_("Role"),
    "password": N_("Initial password"),
    "member_id": N_("Member"),
}
PASSWORD_LABELS = {
    "current_password": N_("Current password"),
    "new_password": N_("New password"),
}


def _field(form: Any, name: str) -> str:
    return str(form.get(name, "")).strip()


def start_page(user: CurrentUser) -> str:
    if user.must_change_password:
        return "/account/password"
    return "/dashboard" if user.is_staff else "/my"


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
        return Redirect(path=start_page(user))

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
            path=start_page(user),
            status_code=303,
            cookies=[session_cookie(token, request.app.state.settings)],
        )

    @post("/logout", guards=[requires_login])
    async def logout(self, request: Request) -> Redirect:
        token = request.scope.get("auth")
        if token:
            await accounts.logout(token)
        return Redirect(
            path="/login",
            status_code=303,
            cookies=[session_cookie("", request.app.state.settings, expire=True)],
        )

    @post("/language")
    async def choose_language(self, request: Request) -> Response:
        """The language switch of every page: saved on the account of a logged-in person,
        remembered in a cookie for everyone; back to the page it was used on."""
        form = await request.form()
        chosen = supported(_field(form, "lang"))
        target = safe_path(_field(form, "next") or "/")
        response = Redirect(path=target, status_code=303)
        if chosen is None:
            return response
        user: CurrentUser | None = request.scope.get("user")
        if user is not None:
            await accounts.set_language(user, chosen)
        cookie = language_cookie_header(chosen, request.app.state.settings.cookie_secure)
        response.headers["set-cookie"] = cookie.decode()
        return response

    @get(["/logout", "/language"])
    async def back_home(self) -> Redirect:
        return Redirect(path="/")


class AccountPages(Controller):
    path = "/account"
    include_in_schema = False
    guards = [requires_login]
    exception_handlers = WEB_EXCEPTION_HANDLERS
    opt = PAGE_OPT

    @get("/password")
    async def password_form(self, request: Request) -> Template:
        return page("password.html", request)

    @post("/password")
    async def change_password(self, request: Request) -> Response:
        form = await request.form()
        user: CurrentUser = request.scope["user"]
        raw = {k: str(form.get(k, "")) for k in ("current_password", "new_password")}
        try:
            if raw["new_password"] != str(form.get("repeat_password", "")):
                raise Conflict(
                    N_("The two new passwords differ; type the same one twice."),
                    field="repeat_password",
                    code="passwords_differ",
                )
            data = msgspec.convert(raw, PasswordChange, strict=False)
            await accounts.change_password(user, data, request.scope.get("auth"))
        except (msgspec.ValidationError, LingkarError) as exc:
            return page(
                "password.html",
                request,
                status_code=getattr(exc, "status_code", 422),
                flash_error=error_text(request, exc, PASSWORD_LABELS),
                error_field=error_field(exc),
            )
        target = "/dashboard" if user.is_staff else "/my"
        return redirect(request, target, ok=_(request, N_("Your password is changed.")))


class StaffPages(Controller):
    path = "/"
    include_in_schema = False
    guards = [requires_staff]
    exception_handlers = WEB_EXCEPTION_HANDLERS
    opt = PAGE_OPT

    @get("/dashboard")
    async def dashboard(self, request: Request) -> Template:
        user = request.scope["user"]
        data = await views.dashboard(user, request.scope.get("language", "en"))
        return page("dashboard.html", request, **data)

    @get("/groups/new")
    async def new_group_form(self, request: Request) -> Template:
        return page("group_form.html", request, form={}, zones=views.timezone_choices())

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
                zones=views.timezone_choices(),
                flash_error=error_text(request, exc, GROUP_LABELS),
                error_field=error_field(exc),
            )
        return redirect(
            request, f"/groups/{group.id}", ok=_(request, N_("{name} is planned."), name=group.name)
        )

    @get("/groups/{group_id:int}")
    async def group_schedule(self, request: Request, group_id: GroupId) -> Template:
        return await render_group(request, group_id, "schedule")

    @get("/groups/{group_id:int}/rolls")
    async def group_rolls(self, request: Request, group_id: GroupId) -> Template:
        return await render_group(request, group_id, "rolls")

    @get("/groups/{group_id:int}/members")
    async def group_members(self, request: Request, group_id: GroupId) -> Template:
        return await render_group(request, group_id, "members")

    @post("/groups/{group_id:int}/enrol")
    async def enrol(self, request: Request, group_id: GroupId) -> Response:
        user = request.scope["user"]
        form = await request.form()
        values = {
            k: _field(form, k)
            for k in (
                "member_id",
                "new_name",
                "new_email",
                "new_phone",
                "new_language",
                "joined_on",
                "consent_given",
                "by_contact",
                "contact",
            )
        }
        consent = values["consent_given"] == "1"
        joined_on = values["joined_on"] or None
        try:
            if values["by_contact"] in ("email", "phone"):
                data = msgspec.convert(
                    {
                        values["by_contact"]: values["contact"],
                        "consent_given": consent,
                        "joined_on": joined_on,
                    },
                    EnrolmentCreate,
                    strict=False,
                )
                result = await groups.enrol(user, group_id, data)
            elif values["member_id"]:
                data = msgspec.convert(
                    {
                        "member_id": values["member_id"],
                        "consent_given": consent,
                        "joined_on": joined_on,
                    },
                    EnrolmentCreate,
                    strict=False,
                )
                result = await groups.enrol(user, group_id, data)
            else:
                person = {
                    "display_name": values["new_name"],
                    "email": values["new_email"] or None,
                    "phone": values["new_phone"] or None,
                    "language": supported(values["new_language"]),
                }
                new = msgspec.convert(
                    {"person": person, "consent_given": consent, "joined_on": joined_on},
                    NewPersonEnrolment,
                    strict=False,
                )
                result = await groups.enrol_new_person(user, group_id, new)
        except (msgspec.ValidationError, LingkarError) as exc:
            on_record = isinstance(exc, Conflict) and exc.code == "person_on_record"
            return await render_group(
                request,
                group_id,
                "members",
                status_code=getattr(exc, "status_code", 422),
                flash_error=None if on_record else error_text(request, exc, ENROL_LABELS),
                error_field=error_field(exc),
                enrol_form=values,
                on_record=(
                    {
                        "name": exc.extra.get("existing_display_name", ""),
                        "by": exc.field,
                        "contact": values["new_email"]
                        if exc.field == "email"
                        else values["new_phone"],
                    }
                    if on_record and isinstance(exc, LingkarError)
                    else None
                ),
            )
        if result.status == MembershipStatus.ACTIVE:
            message = _(request, N_("Enrolled."))
        else:
            message = _(
                request,
                N_("The group is full: the member is number {position} on the waiting list."),
                position=result.waitlist_position,
            )
        return redirect(request, f"/groups/{group_id}/members#members", ok=message)

    @post("/groups/{group_id:int}/members/{member_id:int}/end")
    async def end_membership(
        self, request: Request, group_id: GroupId, member_id: MemberId
    ) -> Response:
        await groups.end_membership(request.scope["user"], group_id, member_id)
        return redirect(
            request,
            f"/groups/{group_id}/members#members",
            ok=_(request, N_("The membership has ended; its history is kept.")),
        )

    @post("/groups/{group_id:int}/facilitators", guards=[requires_admin])
    async def add_facilitator(self, request: Request, group_id: GroupId) -> Response:
        form = await request.form()
        return await self._facilitator(request, group_id, _field(form, "user_id"), True)

    @post("/groups/{group_id:int}/facilitators/{user_id:int}/remove", guards=[requires_admin])
    async def remove_facilitator(
        self, request: Request, group_id: GroupId, user_id: UserId
    ) -> Response:
        return await self._facilitator(request, group_id, str(user_id), False)

    async def _facilitator(
        self, request: Request, group_id: int, user_id: str, assigned: bool
    ) -> Response:
        target = f"/groups/{group_id}/members#facilitators"
        if not user_id.isdigit():
            return redirect(request, target, error=_(request, N_("Choose a person.")))
        try:
            await groups.change_facilitator(
                request.scope["user"], group_id, int(user_id), assigned=assigned
            )
        except LingkarError as exc:
            if exc.status_code == 404 and exc.code == "not_found":
                raise
            return redirect(request, target, error=error_text(request, exc))
        done = N_("Facilitator assigned.") if assigned else N_("Facilitator removed.")
        return redirect(request, target, ok=_(request, done))

    @get(
        [
            "/groups/{group_id:int}/enrol",
            "/groups/{group_id:int}/members/{member_id:int}/end",
            "/groups/{group_id:int}/facilitators",
            "/groups/{group_id:int}/facilitators/{user_id:int}/remove",
        ]
    )
    async def back_to_members(self, request: Request, group_id: GroupId) -> Redirect:
        await groups.get_group(request.scope["user"], group_id)
        return Redirect(path=f"/groups/{group_id}/members")


class AdminPages(Controller):
    path = "/admin"
    include_in_schema = False
    guards = [requires_admin]
    exception_handlers = WEB_EXCEPTION_HANDLERS
    opt = PAGE_OPT

    @get("/users")
    async def users(self, request: Request) -> Template:
        return page("users.html", request, **await views.accounts_page())

    @post("/users")
    async def add_user(self, request: Request) -> Response:
        form = await request.form()
        raw = {k: str(form.get(k, "")) for k in ("email", "display_name", "role", "password")}
        try:
            created = await accounts.create_user(msgspec.convert(raw, UserCreate, strict=False))
        except (msgspec.ValidationError, LingkarError) as exc:
            return page(
                "users.html",
                request,
                status_code=getattr(exc, "status_code", 422),
                flash_error=error_text(request, exc, USER_LABELS),
                error_field=error_field(exc),
                form={k: v for k, v in raw.items() if k != "password"},
                **await views.accounts_page(),
            )
        return redirect(
            request,
            f"/admin/users#user-{created.id}",
            ok=_(request, N_("Added {name}."), name=created.display_name),
        )

    @post("/users/{user_id:int}/temporary-password")
    async def reset_password(self, request: Request, user_id: UserId) -> Response:
        given = await accounts.reset_password(request.scope["user"], user_id)
        return redirect(
            request,
            f"/admin/users#user-{user_id}",
            ok=_(request, N_("A temporary password for {email}:"), email=given.email),
            extra={"password": given.temporary_password},
        )

    @post("/users/{user_id:int}/deactivate")
    async def deactivate(self, request: Request, user_id: UserId) -> Response:
        return await self._set_active(request, user_id, False)

    @post("/users/{user_id:int}/reactivate")
    async def reactivate(self, request: Request, user_id: UserId) -> Response:
        return await self._set_active(request, user_id, True)

    async def _set_active(self, request: Request, user_id: int, active: bool) -> Response:
        target = f"/admin/users#user-{user_id}"
        try:
            account = await accounts.set_active(request.scope["user"], user_id, active)
        except LingkarError as exc:
            if exc.status_code == 404:
                raise
            return redirect(request, target, error=error_text(request, exc))
        done = (
            N_("{name} can log in again.")
            if active
            else N_("{name} is deactivated and logged out everywhere.")
        )
        return redirect(request, target, ok=_(request, done, name=account.display_name))

    @post("/member-logins")
    async def member_login(self, request: Request) -> Response:
        form = await request.form()
        raw = {"member_id": _field(form, "member_id"), "email": _field(form, "email")}
        try:
            given = await accounts.give_member_login(
                request.scope["user"], msgspec.convert(raw, MemberLogin, strict=False)
            )
        except (msgspec.ValidationError, LingkarError) as exc:
            return page(
                "users.html",
                request,
                status_code=getattr(exc, "status_code", 422),
                flash_error=error_text(request, exc, USER_LABELS),
                error_field=error_field(exc),
                login_form=raw,
                **await views.accounts_page(),
            )
        return redirect(
            request,
            f"/admin/users#user-{given.user_id}",
            ok=_(request, N_("A temporary password for {email}:"), email=given.email),
            extra={"password": given.temporary_password},
        )

    @get(
        [
            "/users/{user_id:int}/temporary-password",
            "/users/{user_id:int}/deactivate",
            "/users/{user_id:int}/reactivate",
            "/member-logins",
        ]
    )
    async def back_to_accounts(self) -> Redirect:
        return Redirect(path="/admin/users")


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
        user = request.scope["user"]
        token = await calendar.calendar_token(user.member_id, request.app.state.secret_key)
        return page(
            "my.html",
            request,
            **await views.my_page(user),
            schedule_calendar_url=(url := calendar.feed_url(str(request.base_url), token)),
            schedule_webcal_url=calendar.webcal_url(url),
        )

    @post("/calendar-link/reset", guards=[requires_member])
    async def reset_calendar_link(self, request: Request) -> Response:
        await calendar.revoke_calendar_token(request.scope["user"].member_id)
        return redirect(
            request,
            "/my/calendar-link#calendar-link",
            ok=_(request, N_("Your old link no longer works; here is the new one.")),
        )

    @get("/calendar-link/reset", guards=[requires_member])
    async def back_to_calendar_link(self) -> Redirect:
        return Redirect(path="/my/calendar-link")


WEB_CONTROLLERS = (
    PublicPages,
    AccountPages,
    StaffPages,
    AdminPages,
    MemberPages,
    *schedule_pages.CONTROLLERS,
    *attendance_pages.CONTROLLERS,
    *followup_pages.CONTROLLERS,
    *member_pages.CONTROLLERS,
    *reminder_pages.CONTROLLERS,
)
