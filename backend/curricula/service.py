"""Rules of the curricula: steps with unique codes, guides that exist, one name per language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import yaml

from backend import access
from backend.accounts.schemas import CurrentUser
from backend.curricula import queries
from backend.curricula.queries import StepRef
from backend.curricula.schemas import (
    CurriculumCreate,
    CurriculumList,
    CurriculumRead,
    GroupProgress,
    MemberProgress,
    StepRead,
)
from backend.db import Connection, database
from backend.guides.programmes import ProgrammeError, parse_programme
from backend.guides.service import check_guide_slug, guide_slugs
from backend.lib.errors import Conflict, Invalid, NotFound
from backend.lib.i18n import N_, format_message
from backend.lib.moments import now


def _check(data: CurriculumCreate) -> None:
    seen: set[str] = set()
    for index, step in enumerate(data.steps):
        if step.code in seen:
            raise Invalid(
                N_("The step code {code} is used twice; each step needs its own."),
                params={"code": step.code},
                field=f"steps[{index}].code",
                code="duplicate_step_code",
            )
        seen.add(step.code)
        check_guide_slug(step.guide, field=f"steps[{index}].guide")


async def create(data: CurriculumCreate, user_id: int | None) -> CurriculumRead:
    """Store a curriculum and its steps in the order given (all or nothing)."""
    _check(data)
    async with database().write() as db:
        if await queries.named(db, data.name, str(data.language)) is not None:
            raise Conflict(
                N_("A curriculum named {name} in this language already exists."),
                params={"name": data.name},
                field="name",
                code="curriculum_exists",
            )
        curriculum_id = await queries.insert(db, data, user_id, now())
        created = await queries.one(db, curriculum_id)
    assert created is not None
    return created


async def get(curriculum_id: int) -> CurriculumRead:
    async with database().read() as db:
        found = await queries.one(db, curriculum_id)
    if found is None:
        raise NotFound(
            N_("No curriculum with id {id}."), params={"id": curriculum_id}, code="no_curriculum"
        )
    return found


async def listing() -> CurriculumList:
    async with database().read() as db:
        return CurriculumList(items=await queries.listing(db))


# ---------------------------------------------------------------------------- YAML files


class CurriculumFileError(ValueError):
    """A curriculum file that cannot be read; the message names the file and the field."""


def read_curriculum_file(path: Path) -> CurriculumCreate:
    """A curriculum from YAML: either the API's shape (``name``, ``language``, ``steps``) or a
    programme template of the guides site (``modules`` of ``steps``)."""
    try:
        text = path.read_text(encoding="utf-8")
        data: Any = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CurriculumFileError(f"{path}: cannot be read as YAML: {exc}") from exc
    if isinstance(data, dict) and "modules" in data:
        try:
            programme = parse_programme(path, text, guide_slugs())
        except ProgrammeError as exc:
            raise CurriculumFileError(str(exc)) from exc
        data = {
            "name": programme.name,
            "language": programme.language,
            "steps": [
                {"code": s.code, "title": s.title, "module": m.title, "guide": s.guide}
                for m in programme.modules
                for s in m.steps
            ],
        }
    try:
        curriculum = msgspec.convert(data, CurriculumCreate)
        _check(curriculum)
    except msgspec.ValidationError as exc:
        raise CurriculumFileError(f"{path}: {exc}") from exc
    except Invalid as exc:
        message = format_message(exc.detail, exc.params)
        raise CurriculumFileError(f"{path}: {exc.field}: {message}") from exc
    return curriculum


# ---------------------------------------------------------------------------- for groups


async def check_exists(db: Connection, curriculum_id: int | None) -> None:
    """422 unless ``curriculum_id`` names a curriculum (``None``: no curriculum)."""
    if curriculum_id is not None and not await queries.exists(db, curriculum_id):
        raise Invalid(
            N_("No curriculum with id {id}."),
            params={"id": curriculum_id},
            field="curriculum_id",
            code="unknown_curriculum",
        )


async def steps_of(db: Connection, curriculum_id: int) -> list[StepRef]:
    return await queries.steps_of(db, curriculum_id)


def step_by_code(steps: list[StepRef], code: str, field: str = "curriculum_step") -> StepRef:
    """The step with ``code``; 422 naming ``field`` when the curriculum has none."""
    for step in steps:
        if step.code == code:
            return step
    raise Invalid(
        N_("The group's curriculum has no step {code}."),
        params={"code": code},
        field=field,
        code="unknown_step",
    )


async def group_progress(user: CurrentUser, group_id: int) -> GroupProgress:
    """Which steps each active member of the group has attended and which are missing."""
    async with database().read() as db:
        group = await access.group(db, user, group_id)
        if group.curriculum_id is None:
            return GroupProgress(group_id=group_id, curriculum_id=None, steps=[], members=[])
        steps = await queries.steps_of(db, group.curriculum_id)
        members = await queries.active_members(db, group_id)
        attended: dict[int, set[int]] = {}
        for row in await queries.steps_attended(db, group_id):
            attended.setdefault(row["member_id"], set()).add(row["step_id"])
    return GroupProgress(
        group_id=group_id,
        curriculum_id=group.curriculum_id,
        steps=[
            StepRead(
                position=s.position, code=s.code, title=s.title, module=s.module, guide=s.guide
            )
            for s in steps
        ],
        members=[
            MemberProgress(
                member_id=m["member_id"],
                display_name=m["display_name"],
                completed=[s.code for s in steps if s.id in attended.get(m["member_id"], ())],
                missing=[s.code for s in steps if s.id not in attended.get(m["member_id"], ())],
            )
            for m in members
        ],
    )
