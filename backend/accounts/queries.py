"""Every statement of accounts: users, login sessions."""

from __future__ import annotations

from datetime import datetime

from backend.accounts.schemas import CurrentUser, UserRead
from backend.accounts.tables import AuthSession, User
from backend.db import SQL, Connection, Reader, convert

_USER_COLUMNS = (
    "u.id, u.email, u.display_name, u.role, u.member AS member_id, u.is_active, u.created_at, "
    "u.language, u.must_change_password"
)

USER_FOR_TOKEN = SQL(
    "SELECT u.id, u.email, u.display_name, u.role, u.member AS member_id, u.language, "
    "u.must_change_password "
    'FROM auth_session s JOIN app_user u ON u.id = s."user" '
    "WHERE s.token_hash = {} AND s.expires_at > {} AND u.is_active"
)
USER_BY_EMAIL = SQL(
    "SELECT u.id, u.email, u.display_name, u.role, u.member AS member_id, u.is_active, "
    "u.language, u.must_change_password, u.password_hash FROM app_user u WHERE u.email = {}"
)
PASSWORD_HASH = SQL("SELECT password_hash FROM app_user WHERE id = {}")
MEMBER_FOR_LOGIN = SQL(
    "SELECT m.id, m.display_name, m.email, m.language, "
    "(SELECT u.id FROM app_user u WHERE u.member = m.id) AS user_id FROM member m WHERE m.id = {}"
)
MEMBERS_WITHOUT_LOGIN = SQL(
    "SELECT m.id, m.display_name, m.email FROM member m "
    "WHERE NOT EXISTS (SELECT 1 FROM app_user u WHERE u.member = m.id) "
    "ORDER BY m.display_name, m.id LIMIT {}"
)
USERS_PAGE = SQL(f"SELECT {_USER_COLUMNS} FROM app_user u ORDER BY u.id LIMIT {{}} OFFSET {{}}")
USERS_COUNT = SQL("SELECT COUNT(*) AS n FROM app_user")
USER_BY_ID = SQL(f"SELECT {_USER_COLUMNS} FROM app_user u WHERE u.id = {{}}")
EMAIL_TAKEN = SQL("SELECT 1 AS taken FROM app_user WHERE email = {}")


async def user_for_token(db: Reader, token_hash: str, moment: datetime) -> CurrentUser | None:
    row = await db.fetch_one(USER_FOR_TOKEN, token_hash, moment)
    return None if row is None else convert(row, CurrentUser)


async def login_row(db: Reader, email: str) -> dict | None:
    """The account with its password hash (for checking a login only)."""
    return await db.fetch_one(USER_BY_EMAIL, email)


async def email_taken(db: Connection, email: str) -> bool:
    return await db.fetch_one(EMAIL_TAKEN, email) is not None


async def insert_user(
    db: Connection,
    *,
    email: str,
    display_name: str,
    role: str,
    password_hash: str,
    member_id: int | None,
    created_at: datetime,
    language: str | None = None,
    must_change_password: bool = False,
) -> UserRead:
    rows = await db.fetch(
        User.insert(
            User(
                email=email,
                display_name=display_name,
                role=role,
                password_hash=password_hash,
                is_active=True,
                member=member_id,
                created_at=created_at,
                language=language,
                must_change_password=must_change_password,
            )
        ).returning(User.id)
    )
    return await user(db, rows[0]["id"])


async def user(db: Connection, user_id: int) -> UserRead:
    row = await db.fetch_one(USER_BY_ID, user_id)
    return convert(row, UserRead)


async def find_user(db: Connection, user_id: int) -> UserRead | None:
    row = await db.fetch_one(USER_BY_ID, user_id)
    return None if row is None else convert(row, UserRead)


async def password_hash(db: Connection, user_id: int) -> str | None:
    return await db.fetch_value(PASSWORD_HASH, user_id)


async def set_language(db: Connection, user_id: int, language: str | None) -> None:
    await db.execute(User.update({User.language: language}).where(User.id == user_id))


async def set_password(
    db: Connection, user_id: int, password_hash: str, *, must_change: bool
) -> None:
    await db.execute(
        User.update(
            {User.password_hash: password_hash, User.must_change_password: must_change}
        ).where(User.id == user_id)
    )


async def set_active(db: Connection, user_id: int, active: bool) -> None:
    await db.execute(User.update({User.is_active: active}).where(User.id == user_id))


async def end_sessions(db: Connection, user_id: int, *, keep: str | None = None) -> None:
    """End every login session of the account (but ``keep``, a token hash, if given)."""
    query = AuthSession.delete().where(AuthSession.user == user_id)
    if keep is not None:
        query = query.where(AuthSession.token_hash != keep)
    await db.execute(query)


async def member_for_login(db: Connection, member_id: int) -> dict | None:
    """The member record ``{id, display_name, email, language, user_id}``."""
    return await db.fetch_one(MEMBER_FOR_LOGIN, member_id)


async def members_without_login(db: Connection, limit: int) -> list[dict]:
    return await db.fetch(MEMBERS_WITHOUT_LOGIN, limit)


async def users_page(db: Connection, limit: int, offset: int) -> tuple[list[UserRead], int]:
    rows = await db.fetch(USERS_PAGE, limit, offset)
    total = await db.fetch_value(USERS_COUNT)
    return convert(rows, list[UserRead]), int(total)


async def insert_session(
    db: Connection, token_hash: str, user_id: int, created_at: datetime, expires_at: datetime
) -> None:
    await db.execute(
        AuthSession.insert(
            AuthSession(
                token_hash=token_hash, user=user_id, created_at=created_at, expires_at=expires_at
            )
        )
    )


async def delete_session(db: Connection, token_hash: str) -> None:
    await db.execute(AuthSession.delete().where(AuthSession.token_hash == token_hash))


# ---------------------------------------------------------------------------- login limits

COUNT_HIT = SQL(
    "INSERT INTO login_throttle (bucket, hits, window_start) VALUES ({}, 1, {}) "
    "ON CONFLICT (bucket) DO UPDATE SET "
    "hits = CASE WHEN login_throttle.window_start <= {} THEN 1 "
    "ELSE login_throttle.hits + 1 END, "
    "window_start = CASE WHEN login_throttle.window_start <= {} THEN excluded.window_start "
    "ELSE login_throttle.window_start END "
    "RETURNING hits, window_start"
)
GIVE_BACK_HIT = SQL("UPDATE login_throttle SET hits = hits - 1 WHERE bucket = {} AND hits > 0")
FORGET_HITS = SQL("DELETE FROM login_throttle WHERE bucket = {}")
PRUNE_HITS = SQL("DELETE FROM login_throttle WHERE window_start <= {}")


async def count_hit(db: Connection, bucket: str, now: int, expired: int) -> tuple[int, int]:
    """One more hit in ``bucket`` (a new window when its window started at ``expired`` or
    before), atomically: (hits in the window, the window's start)."""
    row = await db.fetch_one(COUNT_HIT, bucket, now, expired, expired)
    assert row is not None
    return int(row["hits"]), int(row["window_start"])


async def give_back_hit(db: Connection, bucket: str) -> None:
    await db.execute(GIVE_BACK_HIT, bucket)


async def forget_hits(db: Connection, bucket: str) -> None:
    await db.execute(FORGET_HITS, bucket)


async def prune_hits(db: Connection, before: int) -> None:
    await db.execute(PRUNE_HITS, before)
