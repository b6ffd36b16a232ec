"""Accounts: users, passwords, login sessions; login limits are in ``throttle``."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from backend.accounts import queries, throttle
from backend.accounts.passwords import hash_password_async, verify_password_async
from backend.accounts.schemas import (
    CurrentUser,
    MemberLogin,
    PasswordChange,
    TemporaryPassword,
    UserCreate,
    UserList,
    UserRead,
)
from backend.db import Connection, database
from backend.domain.vocabulary import Role
from backend.lib.errors import Conflict, Invalid, NotFound, Unauthenticated
from backend.lib.i18n import N_
from backend.lib.moments import now
from backend.lib.types import EMAIL_PATTERN


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_EMAIL_SHAPE = re.compile(EMAIL_PATTERN)


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def create_user(
    data: UserCreate | None = None,
    *,
    email: str | None = None,
    display_name: str | None = None,
    role: str | None = None,
    password: str | None = None,
    member_id: int | None = None,
) -> UserRead:
    if data is not None:
        email, display_name, role, password = (
            data.email,
            data.display_name,
            data.role,
            data.password,
        )
    assert email and display_name and role and password
    email = normalise_email(email)
    password_hash = await hash_password_async(password)
    async with database().write() as db:
        return await add_user(
            db,
            email=email,
            display_name=display_name,
            role=role,
            password_hash=password_hash,
            member_id=member_id,
        )


async def add_user(
    db: Connection,
    *,
    email: str,
    display_name: str,
    role: str,
    password_hash: str,
    member_id: int | None = None,
    language: str | None = None,
    must_change_password: bool = False,
) -> UserRead:
    """Insert an account inside the caller's write transaction; 409 when the email is taken."""
    email = normalise_email(email)
    if await queries.email_taken(db, email):
        raise Conflict(
            N_("A user with the email {email} already exists."),
            params={"email": email},
            field="email",
            code="email_taken",
        )
    return await queries.insert_user(
        db,
        email=email,
        display_name=display_name,
        role=role,
        password_hash=password_hash,
        member_id=member_id,
        created_at=now(),
        language=language,
        must_change_password=must_change_password,
    )


async def list_users(limit: int = 100, offset: int = 0) -> UserList:
    async with database().read() as db:
        items, total = await queries.users_page(db, limit, offset)
    return UserList(items=items, total=total)


async def login(
    email: str, password: str, address: str, *, attempts_per_minute: int, session_days: int
) -> tuple[str, CurrentUser]:
    """Check the password of a login attempt from the client ``address``, within the login
    limits (429 beyond them); on success open a new server-side session and return its token."""
    email = normalise_email(email)
    if len(email) > 254 or not _EMAIL_SHAPE.match(email):
        # No account can have it; the login form sends it unchecked.
        raise Unauthenticated(N_("The email or password is not right."), code="wrong_login")
    await throttle.admit(email, address, attempts_per_minute)
    row = await queries.login_row(database(), email)
    valid = await verify_password_async(row["password_hash"] if row else None, password)
    if not row or not valid or not row["is_active"]:
        raise Unauthenticated(N_("The email or password is not right."), code="wrong_login")
    await throttle.succeeded(email, address)
    token = secrets.token_urlsafe(32)
    moment = now()
    async with database().write() as db:
        await queries.insert_session(
            db, token_digest(token), row["id"], moment, moment + timedelta(days=session_days)
        )
    user = CurrentUser(
        id=row["id"],
        email=row["email"],
        display_name=row["display_name"],
        role=row["role"],
        member_id=row["member_id"],
        language=row["language"],
        must_change_password=bool(row["must_change_password"]),
    )
    return token, user


async def logout(token: str) -> None:
    async with database().write() as db:
        await queries.delete_session(db, token_digest(token))


async def user_for_token(token: str) -> CurrentUser | None:
    return await queries.user_for_token(database(), token_digest(token), now())


# ---------------------------------------------------------------------------- one's own account


async def set_language(user: CurrentUser, language: str | None) -> CurrentUser:
    """Save the language the person reads Lingkar in (``None``: the browser's again)."""
    async with database().write() as db:
        await queries.set_language(db, user.id, language)
    return CurrentUser(**{**_fields(user), "language": language})


def _fields(user: CurrentUser) -> dict:
    return {f: getattr(user, f) for f in user.__struct_fields__}


async def change_password(user: CurrentUser, data: PasswordChange, token: str | None) -> None:
    """Change one's own password (the current one must be right); the other login sessions of
    the account end, this one stays."""
    async with database().read() as db:
        current_hash = await queries.password_hash(db, user.id)
    if not await verify_password_async(current_hash, data.current_password):
        raise Invalid(
            N_("The current password is not right."),
            field="current_password",
            code="wrong_password",
        )
    if data.new_password == data.current_password:
        raise Invalid(
            N_("Choose a new password, different from the current one."),
            field="new_password",
            code="same_password",
        )
    new_hash = await hash_password_async(data.new_password)
    async with database().write() as db:
        await queries.set_password(db, user.id, new_hash, must_change=False)
        await queries.end_sessions(db, user.id, keep=token_digest(token) if token else None)


# ---------------------------------------------------------------------------- admins


TEMPORARY_PASSWORD_BYTES = 9


def temporary_password() -> str:
    """Twelve characters a person can read out and type on a phone."""
    return secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)


async def _account(db: Connection, user_id: int) -> UserRead:
    found = await queries.find_user(db, user_id)
    if found is None:
        raise NotFound(N_("No account with id {id}."), params={"id": user_id}, code="no_account")
    return found


async def reset_password(admin: CurrentUser, user_id: int) -> TemporaryPassword:
    """A temporary password for the account, shown once; it must be changed at the next login,
    and the account's login sessions end now. Admins change their own password themselves."""
    if user_id == admin.id:
        raise Invalid(
            N_("Change your own password on the password page, with your current one."),
            field="user_id",
            code="own_account",
        )
    password = temporary_password()
    password_hash = await hash_password_async(password)
    async with database().write() as db:
        account = await _account(db, user_id)
        await queries.set_password(db, user_id, password_hash, must_change=True)
        await queries.end_sessions(db, user_id)
    return TemporaryPassword(user_id=user_id, email=account.email, temporary_password=password)


async def set_active(admin: CurrentUser, user_id: int, active: bool) -> UserRead:
    """Deactivate an account (its login sessions end at once, in the same transaction) or
    reactivate it. Admins cannot deactivate themselves."""
    if not active and user_id == admin.id:
        raise Invalid(
            N_("You cannot deactivate your own account."), field="user_id", code="own_account"
        )
    async with database().write() as db:
        await _account(db, user_id)
        await queries.set_active(db, user_id, active)
        if not active:
            await queries.end_sessions(db, user_id)
        return await queries.user(db, user_id)


async def give_member_login(admin: CurrentUser, data: MemberLogin) -> TemporaryPassword:
    """A login for a member on record, with a temporary password shown once."""
    email = normalise_email(data.email)
    password = temporary_password()
    password_hash = await hash_password_async(password)
    async with database().write() as db:
        member = await queries.member_for_login(db, data.member_id)
        if member is None:
            raise NotFound(
                N_("No member with id {id}."), params={"id": data.member_id}, code="no_member"
            )
        if member["user_id"] is not None:
            raise Conflict(
                N_("{name} can already log in."),
                params={"name": member["display_name"]},
                field="member_id",
                code="member_has_login",
            )
        created = await add_user(
            db,
            email=email,
            display_name=member["display_name"],
            role=Role.MEMBER,
            password_hash=password_hash,
            member_id=data.member_id,
            language=member["language"],
            must_change_password=True,
        )
    return TemporaryPassword(user_id=created.id, email=email, temporary_password=password)


async def members_without_login(limit: int = 500) -> list[dict]:
    async with database().read() as db:
        return await queries.members_without_login(db, limit)
