"""Accounts: users, passwords, login sessions; login limits are in ``throttle``."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from backend.accounts import throttle
from backend.accounts.passwords import hash_password_async, verify_password_async
from backend.accounts.schemas import CurrentUser, UserCreate, UserList, UserRead
from backend.accounts.tables import AuthSession, User
from backend.lib.errors import Conflict, Unauthenticated


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _user_read(row: dict) -> UserRead:
    return UserRead(
        id=row["id"],
        email=row["email"],
        display_name=row["display_name"],
        role=row["role"],
        member_id=row["member"],
        is_active=bool(row["is_active"]),
        created_at=row["created_at"],
    )


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
    if await User.exists().where(User.email == email):
        raise Conflict(f"A user with the email {email} already exists.", field="email")
    rows = await User.insert(
        User(
            email=email,
            display_name=display_name,
            role=role,
            password_hash=await hash_password_async(password),
            is_active=True,
            member=member_id,
            created_at=now(),
        )
    ).returning(*User.all_columns())
    return _user_read(rows[0])


async def list_users(limit: int = 100, offset: int = 0) -> UserList:
    rows = await User.select(*User.all_columns()).order_by(User.id).limit(limit).offset(offset)
    total = await User.count()
    return UserList(items=[_user_read(r) for r in rows], total=total)


async def login(
    email: str, password: str, address: str, *, attempts_per_minute: int, session_days: int
) -> tuple[str, CurrentUser]:
    """Check the password of a login attempt from the client ``address``, within the login
    limits (429 beyond them); on success open a new server-side session and return its token."""
    email = normalise_email(email)
    await throttle.admit(email, address, attempts_per_minute)
    row = await User.select(*User.all_columns()).where(User.email == email).first()
    valid = await verify_password_async(row["password_hash"] if row else None, password)
    if not row or not valid or not row["is_active"]:
        raise Unauthenticated("The email or password is not right.")
    await throttle.succeeded(email, address)
    token = secrets.token_urlsafe(32)
    await AuthSession.insert(
        AuthSession(
            token_hash=token_digest(token),
            user=row["id"],
            created_at=now(),
            expires_at=now() + timedelta(days=session_days),
        )
    )
    user = CurrentUser(
        id=row["id"],
        email=row["email"],
        display_name=row["display_name"],
        role=row["role"],
        member_id=row["member"],
    )
    return token, user


async def logout(token: str) -> None:
    await AuthSession.delete().where(AuthSession.token_hash == token_digest(token))


async def user_for_token(token: str) -> CurrentUser | None:
    rows = await AuthSession.raw(
        "SELECT u.id, u.email, u.display_name, u.role, u.member AS member_id "
        'FROM auth_session s JOIN app_user u ON u.id = s."user" '
        "WHERE s.token_hash = {} AND s.expires_at > {} AND u.is_active",
        token_digest(token),
        now(),
    )
    if not rows:
        return None
    return CurrentUser(**rows[0])
