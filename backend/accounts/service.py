"""Accounts: users, passwords, login sessions and login throttling."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta

from backend.accounts.passwords import hash_password_async, verify_password_async
from backend.accounts.schemas import CurrentUser, UserCreate, UserList, UserRead
from backend.accounts.tables import AuthSession, User
from backend.lib.errors import Conflict, TooManyRequests, Unauthenticated

FAILED_LOGINS_PER_ACCOUNT = 5
FAILED_LOGIN_WINDOW_SECONDS = 15 * 60


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


class AccountThrottle:
    """Failed logins per account within a sliding window (per process)."""

    def __init__(
        self,
        limit: int = FAILED_LOGINS_PER_ACCOUNT,
        window_seconds: float = FAILED_LOGIN_WINDOW_SECONDS,
    ):
        self.limit = limit
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str) -> deque[float]:
        failures = self._failures[key]
        cutoff = time.monotonic() - self.window
        while failures and failures[0] < cutoff:
            failures.popleft()
        return failures

    def check(self, key: str) -> None:
        failures = self._recent(key)
        if len(failures) >= self.limit:
            retry_after = int(failures[0] + self.window - time.monotonic()) + 1
            raise TooManyRequests(
                "Too many failed logins for this account; try again later.",
                extra={"retry_after": max(retry_after, 1)},
            )

    def failed(self, key: str) -> None:
        self._recent(key).append(time.monotonic())

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)


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
    email: str, password: str, throttle: AccountThrottle, session_days: int
) -> tuple[str, CurrentUser]:
    """Check the password; on success open a new server-side session and return its token."""
    email = normalise_email(email)
    throttle.check(email)
    row = await User.select(*User.all_columns()).where(User.email == email).first()
    valid = await verify_password_async(row["password_hash"] if row else None, password)
    if not row or not valid or not row["is_active"]:
        throttle.failed(email)
        raise Unauthenticated("The email or password is not right.")
    throttle.succeeded(email)
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
