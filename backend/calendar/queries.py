"""Every statement of calendar feeds: members' private feed tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.db import SQL, Connection, Reader
from backend.scheduling.tables import CalendarToken

TOKEN_OF_MEMBER = SQL("SELECT token_hash, created_at FROM calendar_token WHERE member = {}")
MEMBER_OF_TOKEN = SQL("SELECT member FROM calendar_token WHERE token_hash = {}")


async def token_of_member(db: Connection, member_id: int) -> dict[str, Any] | None:
    return await db.fetch_one(TOKEN_OF_MEMBER, member_id)


async def member_of_token(db: Reader, token_hash: str) -> int | None:
    row = await db.fetch_one(MEMBER_OF_TOKEN, token_hash)
    return None if row is None else row["member"]


async def insert_token(
    db: Connection, member_id: int, token_hash: str, created_at: datetime
) -> None:
    await db.execute(
        CalendarToken.insert(
            CalendarToken(member=member_id, token_hash=token_hash, created_at=created_at)
        )
    )


async def delete_token(db: Connection, member_id: int) -> None:
    await db.execute(CalendarToken.delete().where(CalendarToken.member == member_id))
