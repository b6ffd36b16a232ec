"""The group page, rendered after a group action (enrolment, scheduling) as well as on GET."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template

from backend.web import views
from backend.web.render import page


async def render_group(
    request: Request, group_id: int, status_code: int = 200, **context: Any
) -> Template:
    data = await views.group(request.scope["user"], group_id)
    return page("group.html", request, status_code=status_code, **data, **context)
