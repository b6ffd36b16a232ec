from __future__ import annotations

import msgspec
from litestar import Controller, Request, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from backend.accounts.auth import requires_login
from backend.accounts.schemas import CurrentUser
from backend.lib.errors import BadRequest
from backend.lib.i18n import N_
from backend.lib.types import Input, Output
from backend.reminders import service


class ReminderChoice(Input):
    enabled: bool


class ReminderState(Output):
    enabled: bool


class MyRemindersController(Controller):
    path = "/api/v1/me/reminders"
    tags = ["reminders"]
    guards = [requires_login]

    @get("/", summary="Whether I receive email reminders")
    async def mine(self, user: NamedDependency[CurrentUser]) -> ReminderState:
        return ReminderState(enabled=await service.reminders_on(user))

    @put("/", summary="Turn my email reminders on or off")
    async def choose(
        self, request: Request, user: NamedDependency[CurrentUser], data: JSONBody[ReminderChoice]
    ) -> ReminderState:
        # The body is converted leniently (0 would pass as false): a choice must be a boolean.
        raw = msgspec.json.decode(await request.body())
        if not isinstance(raw.get("enabled"), bool):
            raise BadRequest(
                N_("{field} must be true or false."),
                params={"field": "enabled"},
                field="enabled",
                code="not_a_boolean",
            )
        return ReminderState(enabled=await service.set_reminders(user, data.enabled))
