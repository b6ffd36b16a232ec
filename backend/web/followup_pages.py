"""The follow-up list's action: recording that a drifting member was contacted."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect

from backend.accounts.auth import requires_staff
from backend.followup import service as followup
from backend.followup.schemas import ContactCreate
from backend.lib.errors import LingkarError
from backend.lib.i18n import N_
from backend.lib.types import GroupId, MemberId
from backend.web.render import WEB_EXCEPTION_HANDLERS, _, error_text, redirect

CONTACT_LABELS = {"outcome": N_("What came of it"), "note": N_("Note")}


class FollowUpPages(Controller):
    path = "/follow-up"
    include_in_schema = False
    guards = [requires_staff]
    exception_handlers = WEB_EXCEPTION_HANDLERS
    opt = {"csrf_cookie": True}

    @post("/{group_id:int}/{member_id:int}/contacts")
    async def record_contact(
        self, request: Request, group_id: GroupId, member_id: MemberId
    ) -> Response:
        form = await request.form()
        raw = {
            "outcome": str(form.get("outcome", "")).strip(),
            "note": str(form.get("note", "")).strip(),
        }
        target = f"/dashboard#follow-up-{group_id}-{member_id}"
        try:
            await followup.record_contact(
                request.scope["user"],
                group_id,
                member_id,
                msgspec.convert(raw, ContactCreate, strict=False),
            )
        except (msgspec.ValidationError, LingkarError) as exc:
            if isinstance(exc, LingkarError) and exc.status_code == 404:
                raise
            return redirect(request, target, error=error_text(request, exc, CONTACT_LABELS))
        return redirect(request, target, ok=_(request, N_("Contact recorded.")))

    @get("/{group_id:int}/{member_id:int}/contacts")
    async def back_to_dashboard(self) -> Redirect:
        return Redirect(path="/dashboard")


CONTROLLERS: tuple = (FollowUpPages,)
