"""Every statement of the curricula."""

from __future__ import annotations

from datetime import datetime

from backend.curricula.schemas import CurriculumCreate, CurriculumRead, CurriculumSummary
from backend.curricula.tables import Curriculum, CurriculumStep
from backend.db import SQL, Connection, convert

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
