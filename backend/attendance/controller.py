from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, delete, get, put
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.params import HeaderParameter, JSONBody

from backend.accounts.auth import requires_member, requires_staff
from backend.accounts.schemas import CurrentUser
from backend.attendance import service
from backend.attendance.schemas import (
    AbsenceAhead,
    AbsenceInput,
    History,
    MemberAttendance,
    Roll,
    RollInput,
)
from backend.lib.openapi import problem_response
from backend.lib.types import MemberId, SessionId

ETAG_HEADER = ResponseHeader(
    name="ETag",
    description="The roll's version; send it back in If-Match to save only over this version",
    documentation_only=True,
)
STALE_ROLL = problem_response(
    412, "the roll changed since the If-Match version; `current` and `etag` give it now"
)
IfMatch = Annotated[
    str,
    HeaderParameter(
        name="If-Match",
        required=False,
        max_length=200,
        pattern=r'^(\*|(W/)?"[!#-~]*"(, ?(W/)?"[!#-~]*")*)?$',
        description="The ETag of the roll as read; omit to write whatever is there",
    ),
]


class RollCallController(Controller):
    path = "/api/v1/sessions/{session_id:int}/attendance"
    tags = ["attendance"]
    guards = [requires_staff]

    @put(
        "/",
        summary="Take the whole roll of a session (all-or-nothing, idempotent)",
        description=(
            "The body is the whole roll: members left out of a repeated roll lose their record. "
            "Facilitators of the group and admins only. With `If-Match` (the `ETag` of the roll "
            "as read), the roll is written only if nobody changed it since: otherwise a 412 "
            "carries the current roll (`current`) and its version (`etag`), and nothing is "
            "written."
        ),
        response_headers=[ETAG_HEADER],
        responses={412: STALE_ROLL},
    )
    async def put_roll(
        self,
        user: NamedDependency[CurrentUser],
        session_id: SessionId,
        data: JSONBody[RollInput],
        if_match: IfMatch = "",
    ) -> Response[Roll]:
        roll = await service.put_roll(user, session_id, data, if_match or None)
        return Response(roll, headers={"ETag": service.roll_version(roll.records)})

    @get(
        "/",
        summary="The roll of a session, with confidential notes (staff)",
        response_headers=[ETAG_HEADER],
    )
    async def get_roll(
        self, user: NamedDependency[CurrentUser], session_id: SessionId
    ) -> Response[Roll]:
        roll = await service.get_roll(user, session_id)
        return Response(roll, headers={"ETag": service.roll_version(roll.records)})

    @get("/history", summary="Every change to the roll of a session (staff)")
    async def history(self, user: NamedDependency[CurrentUser], session_id: SessionId) -> History:
        return await service.history(user, session_id)


class MyAttendanceController(Controller):
    path = "/api/v1/me/attendance"
    tags = ["attendance"]
    guards = [requires_member]

    @get("/", summary="My own attendance (no notes)")
    async def mine(self, user: NamedDependency[CurrentUser]) -> MemberAttendance:
        assert user.member_id is not None  # requires_member
        return await service.member_attendance(user.member_id)


class MemberAttendanceController(Controller):
    path = "/api/v1/members/{member_id:int}/attendance"
    tags = ["attendance"]
    guards = [requires_staff]

    @get("/", summary="A member's attendance (admins; facilitators for their groups)")
    async def member(
        self, user: NamedDependency[CurrentUser], member_id: MemberId
    ) -> MemberAttendance:
        return await service.member_attendance_for_staff(user, member_id)


class MyAbsenceController(Controller):
    path = "/api/v1/me/sessions/{session_id:int}/absence"
    tags = ["attendance"]
    guards = [requires_member]

    @put(
        "/",
        summary="I can't come: an excused absence ahead, with a reason (before the start)",
        description=(
            "For a session of a group the member is active in, before it starts and unless it "
            "is cancelled (409 otherwise). The facilitator sees it on the roll, already marked."
        ),
    )
    async def say_absent(
        self,
        user: NamedDependency[CurrentUser],
        session_id: SessionId,
        data: JSONBody[AbsenceInput],
    ) -> AbsenceAhead:
        return await service.say_absent(user, session_id, data)

    @delete("/", summary="Withdraw my absence said ahead (before the start)")
    async def withdraw(self, user: NamedDependency[CurrentUser], session_id: SessionId) -> None:
        await service.withdraw_absence(user, session_id)
