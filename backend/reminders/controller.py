from __future__ import annotations

from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from backend.accounts.auth import requires_login
from backend.accounts.schemas import CurrentUser
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
        self, user: NamedDependency[CurrentUser], data: JSONBody[ReminderChoice]
    ) -> ReminderState:
        return ReminderState(enabled=await service.set_reminders(user, data.enabled))
