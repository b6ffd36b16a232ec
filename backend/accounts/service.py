"""Accounts: users, passwords, login sessions; login limits are in ``throttle``."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from backend.accounts import queries, throttle
from backend.accounts.passwords import hash_password_async, verify_password_async
from backend.accounts.schemas import CurrentUser, UserCreate, UserList, UserRead
from backend.db import Connection, database
from backend.lib.errors import Conflict, Unauthenticated
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
    )
    return token, user


async def logout(token: str) -> None:
    async with database().write() as db:
        await queries.delete_session(db, token_digest(token))


async def user_for_token(token: str) -> CurrentUser | None:
    return await queries.user_for_token(database(), token_digest(token), now())
