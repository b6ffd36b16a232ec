from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter

from backend.accounts.auth import requires_staff
from backend.accounts.schemas import CurrentUser
from backend.lib.moments import parse_date
from backend.lib.types import GroupId
from backend.reports import service
from backend.reports.schemas import GroupReport, MonthReport
from backend.reports.service import MONTH_PATTERN

FromDate = Annotated[
    str | None,
    QueryParameter(
        name="from",
        max_length=10,
        description="First local date (inclusive), YYYY-MM-DD",
        schema_extra={"format": "date"},
    ),
]
ToDate = Annotated[
    str | None,
    QueryParameter(
        max_length=10,
        description="Last local date (inclusive), YYYY-MM-DD",
        schema_extra={"format": "date"},
    ),
]


MonthText = Annotated[
    str,
    PathParameter(
        pattern=MONTH_PATTERN, description="The month, YYYY-MM, in the group's time zone"
    ),
]


class ReportController(Controller):
    path = "/api/v1/groups/{group_id:int}"
    tags = ["reports"]
    guards = [requires_staff]

    @get(
        "/months/{month:str}",
        summary="A group's monthly report",
        description="The month's sessions (step or topic; counts by status of held sessions, "
        "excused absences by reason), the leader, the facilitators and the steps taught.",
    )
    async def month(
        self, user: NamedDependency[CurrentUser], group_id: GroupId, month: MonthText
    ) -> MonthReport:
        return await service.month_report(user, group_id, month)

    @get("/report", summary="Attendance, purpose coverage and follow-up for a group")
    async def report(
        self,
        request: Request,
        user: NamedDependency[CurrentUser],
        group_id: GroupId,
        from_: FromDate = None,
        to: ToDate = None,
    ) -> GroupReport:
        return await service.group_report(
            user,
            group_id,
            parse_date(from_, "from"),
            parse_date(to, "to"),
            request.scope.get("language", "en"),
        )

    @get(
        "/attendance.csv",
        summary="Attendance as CSV: one row per member and held session",
        description=(
            "Codes (status, participation, purposes) and the UTC start for tools; the local "
            "date and time in the group's zone and the status and purpose titles in the "
            "reader's language (`?lang=`, `Accept-Language`) for people."
        ),
        media_type="text/csv",
        response_description="UTF-8 CSV with a byte-order mark",
    )
    async def csv_export(
        self,
        request: Request,
        user: NamedDependency[CurrentUser],
        group_id: GroupId,
        notes: Annotated[
            int, QueryParameter(ge=0, le=1, description="1 adds the confidential note column")
        ] = 0,
    ) -> Response[bytes]:
        body = await service.csv_document(
            user, group_id, notes=bool(notes), language=request.scope.get("language", "en")
        )
        return Response(
            content=body,
            media_type="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="group-{group_id}-attendance.csv"'
            },
        )
