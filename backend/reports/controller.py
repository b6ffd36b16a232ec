from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, Response, get
from litestar.di import Provide
from litestar.params import Parameter

from backend.accounts.auth import provide_user, requires_staff
from backend.accounts.schemas import CurrentUser
from backend.reports import service
from backend.reports.schemas import GroupReport

GroupId = Annotated[int, Parameter(ge=1, le=2**62, description="The group's id")]


class ReportController(Controller):
    path = "/api/v1/groups/{group_id:int}"
    tags = ["reports"]
    guards = [requires_staff]
    dependencies = {"user": Provide(provide_user)}

    @get("/report", summary="Attendance, purpose coverage and follow-up for a group")
    async def report(
        self,
        user: CurrentUser,
        group_id: GroupId,
        from_: Annotated[
            date | None,
            Parameter(query="from", description="First local date (inclusive)"),
        ] = None,
        to: Annotated[date | None, Parameter(description="Last local date (inclusive)")] = None,
    ) -> GroupReport:
        return await service.group_report(user, group_id, from_, to)

    @get(
        "/attendance.csv",
        summary="Attendance as CSV: one row per member and held session",
        media_type="text/csv",
        response_description="UTF-8 CSV with a byte-order mark",
    )
    async def csv_export(
        self,
        user: CurrentUser,
        group_id: GroupId,
        notes: Annotated[
            int, Parameter(ge=0, le=1, description="1 adds the confidential note column")
        ] = 0,
    ) -> Response[bytes]:
        body = await service.csv_document(user, group_id, notes=bool(notes))
        return Response(
            content=body,
            media_type="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="group-{group_id}-attendance.csv"'
            },
        )
