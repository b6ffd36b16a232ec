"""Every statement of the curricula."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from backend.curricula.schemas import CurriculumCreate, CurriculumRead, CurriculumSummary
from backend.curricula.tables import Curriculum, CurriculumStep
from backend.db import SQL, Connection, convert
from backend.domain.vocabulary import AttendanceStatus, MembershipStatus, SessionStatus

INSERT_STEP = SQL(
    "INSERT INTO curriculum_step (curriculum, position, code, title, module, guide) "
    "VALUES ({}, {}, {}, {}, {}, {})"
)
LISTING = SQL(
    "SELECT c.id, c.name, c.language, "
    "(SELECT COUNT(*) FROM curriculum_step s WHERE s.curriculum = c.id) AS step_count "
    "FROM curriculum c ORDER BY c.name, c.id"
)


async def named(db: Connection, name: str, language: str) -> int | None:
    """The id of the curriculum with this name in this language, if there is one."""
    return await db.fetch_value(
        Curriculum.select(Curriculum.id)
        .where((Curriculum.name == name) & (Curriculum.language == language))
        .limit(1)
    )


async def insert(
    db: Connection, data: CurriculumCreate, user_id: int | None, moment: datetime
) -> int:
    rows = await db.fetch(
        Curriculum.insert(
            Curriculum(
                name=data.name, language=str(data.language), created_at=moment, created_by=user_id
            )
        ).returning(Curriculum.id)
    )
    curriculum_id = rows[0]["id"]
    await db.execute_many(
        INSERT_STEP,
        [
            (curriculum_id, position, step.code, step.title, step.module or None, step.guide)
            for position, step in enumerate(data.steps, start=1)
        ],
    )
    return curriculum_id


async def one(db: Connection, curriculum_id: int) -> CurriculumRead | None:
    row = await db.fetch_one(
        Curriculum.select(
            Curriculum.id, Curriculum.name, Curriculum.language, Curriculum.created_at
        ).where(Curriculum.id == curriculum_id)
    )
    if row is None:
        return None
    steps = await db.fetch(
        CurriculumStep.select(
            CurriculumStep.position,
            CurriculumStep.code,
            CurriculumStep.title,
            CurriculumStep.module,
            CurriculumStep.guide,
        )
        .where(CurriculumStep.curriculum == curriculum_id)
        .order_by(CurriculumStep.position)
    )
    return convert({**row, "steps": steps}, CurriculumRead)


async def listing(db: Connection) -> list[CurriculumSummary]:
    return convert(await db.fetch(LISTING), list[CurriculumSummary])


class StepRef(msgspec.Struct, frozen=True):
    id: int
    position: int
    code: str
    title: str
    module: str | None
    guide: str | None


STEPS_OF = SQL(
    "SELECT id, position, code, title, module, guide FROM curriculum_step WHERE curriculum = {} "
    "ORDER BY position"
)
EXISTS = SQL("SELECT id FROM curriculum WHERE id = {}")


async def exists(db: Connection, curriculum_id: int) -> bool:
    return await db.fetch_value(EXISTS, curriculum_id) is not None


async def steps_of(db: Connection, curriculum_id: int) -> list[StepRef]:
    return convert(await db.fetch(STEPS_OF, curriculum_id), list[StepRef])


ACTIVE_MEMBERS = SQL(
    "SELECT m.id AS member_id, m.display_name FROM membership ms "
    'JOIN member m ON m.id = ms.member WHERE ms."group" = {} AND ms.status = {} '
    "ORDER BY m.display_name, m.id"
)
STEPS_ATTENDED = SQL(
    "SELECT DISTINCT a.member AS member_id, s.curriculum_step AS step_id FROM attendance a "
    "JOIN group_session s ON s.id = a.session "
    'WHERE s."group" = {} AND s.curriculum_step IS NOT NULL AND s.status <> {} '
    "AND a.status IN ({}, {})"
)


async def active_members(db: Connection, group_id: int) -> list[dict[str, Any]]:
    return await db.fetch(ACTIVE_MEMBERS, group_id, MembershipStatus.ACTIVE.value)


async def steps_attended(db: Connection, group_id: int) -> list[dict[str, Any]]:
    """(member, step) pairs: present or late at a session of the group teaching the step."""
    present, late = (AttendanceStatus.PRESENT.value, AttendanceStatus.LATE.value)
    return await db.fetch(STEPS_ATTENDED, group_id, SessionStatus.CANCELLED.value, present, late)
