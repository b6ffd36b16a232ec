"""A group's page, in sections a thumb can reach (Schedule · Roll calls · Members · Report):
each section is a short page of its own under the group's header and section bar. Rendered on
GET, and again when a form of the section is refused (with what was typed)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template

from backend.web import views
from backend.web.render import language, page

TEMPLATES = {
    "schedule": "group/schedule.html",
    "rolls": "group/rolls.html",
    "members": "group/members.html",
    "report": "group/report.html",
}


async def section_data(request: Request, group_id: int, section: str) -> dict[str, Any]:
    user = request.scope["user"]
    data = await views.group_header(user, group_id, section)
    if section == "schedule":
        data |= await views.group_schedule(user, group_id, language(request))
    elif section == "rolls":
        data |= await views.group_rolls(user, group_id)
    elif section == "members":
        data |= await views.group_members(user, group_id)
    else:
        data |= await views.group_report(user, group_id, language(request))
    return data


async def render_group(
    request: Request, group_id: int, section: str, status_code: int = 200, **context: Any
) -> Template:
    data = await section_data(request, group_id, section)
    return page(TEMPLATES[section], request, status_code=status_code, **data, **context)
