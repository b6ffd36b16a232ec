"""Email reminders on the pages: the unsubscribe link of every email (no login needed, the
link is signed) and the on/off switch on a member's and a facilitator's start page."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import PathParameter
from litestar.response import Template

from backend.accounts.auth import requires_login
from backend.lib.i18n import N_
from backend.reminders import service as reminders
from backend.web.render import WEB_EXCEPTION_HANDLERS, _, page, redirect

Token = Annotated[str, PathParameter(max_length=80, description="The signed unsubscribe token")]


class ReminderPages(Controller):
    path = "/"
    include_in_schema = False
    exception_handlers = WEB_EXCEPTION_HANDLERS
    opt = {"csrf_cookie": True}

    @get("/reminders/off/{token:str}")
    async def unsubscribe_page(self, request: Request, token: Token) -> Template:
        # An unknown link is a page saying so (200), like every address of a form.
        valid = reminders.read_token(request.app.state.secret_key, token) is not None
        return page(
            "reminders_off.html",
            request,
            valid=valid,
            token=token,
            done=request.query_params.get("done") == "1",
        )

    # One-click unsubscribing (RFC 8058) posts without a page first: the signed token is the
    # only authority, and it can do nothing but turn its owner's reminders off.
    @post("/reminders/off/{token:str}", opt={"exclude_from_csrf": True})
    async def unsubscribe(self, request: Request, token: Token) -> Response:
        if not await reminders.unsubscribe(request.app.state.secret_key, token):
            return page("reminders_off.html", request, status_code=404, valid=False, token="")
        return redirect(request, f"/reminders/off/{token}?done=1")

    @post("/account/reminders", guards=[requires_login])
    async def switch(self, request: Request) -> Response:
        user = request.scope["user"]
        enabled = (await request.form()).get("enabled") == "1"
        await reminders.set_reminders(user, enabled)
        message = N_("Email reminders are on.") if enabled else N_("Email reminders are off.")
        target = "/dashboard#reminders" if user.is_staff else "/my#reminders"
        return redirect(request, target, ok=_(request, message))

    @get("/account/reminders", guards=[requires_login])
    async def back(self, request: Request) -> Response:
        user = request.scope["user"]
        return redirect(request, "/dashboard#reminders" if user.is_staff else "/my#reminders")


CONTROLLERS: tuple = (ReminderPages,)
