from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import Meta

from backend.domain.vocabulary import STAFF_ROLES, Language, Role, StaffRole
from backend.lib.types import Email, Id, Input, Name, Output, Password


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
    # The language chosen for pages and messages; null until the person chooses one.
    language: Language | None = None
    # A temporary password was given: it must be changed before anything else.
    must_change_password: bool = False

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
    language: Language | None = None
    must_change_password: bool = False


class MeUpdate(Input):
    """What a person changes about their own account: the language pages and messages use
    (``null`` goes back to the browser's)."""

    language: Language | None


class PasswordChange(Input):
    current_password: Annotated[str, Meta(min_length=1, max_length=200)]
    new_password: Password


class MemberLogin(Input):
    """A login for a member already on record: their email and a temporary password (shown
    once, to be changed at the first login)."""

    member_id: Id
    email: Email


class TemporaryPassword(Output):
    """A password shown once to the admin who asked for it; it must be changed at the next
    login."""

    user_id: int
    email: str
    temporary_password: str


class UserList(Output):
    items: list[UserRead]
    total: int
