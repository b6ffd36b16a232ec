from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import Meta

from backend.domain.vocabulary import STAFF_ROLES, Role, StaffRole
from backend.lib.types import Email, Input, Name, Output, Password


class LoginInput(Input):
    email: Email
    # Any length is accepted here: a wrong password is a failed login, not a 4xx on the shape.
    password: Annotated[str, Meta(min_length=1, max_length=200)]


class CurrentUser(Output):
    id: int
    email: str
    display_name: str
    role: Role
    member_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


class UserCreate(Input):
    email: Email
    display_name: Name
    role: StaffRole
    password: Password


class UserRead(Output):
    id: int
    email: str
    display_name: str
    role: Role
    member_id: int | None
    is_active: bool
    created_at: datetime


class UserList(Output):
    items: list[UserRead]
    total: int
