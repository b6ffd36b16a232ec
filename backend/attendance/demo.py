"""Roll calls for the demo groups' past sessions, taken through the attendance service."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from backend.attendance import service
from backend.attendance.schemas import RollInput, RollRecordInput
from backend.domain.vocabulary import (
    ATTENDED_STATUSES,
    AttendanceStatus,
    Participation,
    SessionStatus,
)
from backend.lib.purposes import from_mask
from backend.scheduling import service as scheduling

NOTES = (
    "Minggu ini berat baginya; sapa sebelum pertemuan berikutnya.",
    "Membantu anggota baru menyesuaikan diri.",
    "Bertanya tentang bantuan ongkos transportasi.",
    "Pendiam hari ini, tetapi tetap sampai selesai.",
)


async def add_demo_rolls(groups_with_owners: list[tuple[Any, Any]], seed: int = 7) -> int:
    """Take the roll of every past, not cancelled demo session that has none; returns how many.

    Statuses, participation and purposes vary per member, with a few members drifting away
    (absent from the latest sessions) so the follow-up list has something to show.
    """
    chooser = random.Random(seed)  # demo data, not security
    taken = 0
    for group, actor in groups_with_owners:
        past = await scheduling.list_sessions(actor, group.id, None, datetime.now(UTC), 500, 0)
        sessions = [s for s in past.items if s.status != SessionStatus.CANCELLED]
        for number, row in enumerate(sessions):
            sheet = await service.roll_sheet(actor, row.id)
            if sheet.roll.roll_taken_at is not None:
                continue
            members = sheet.members
            declared = from_mask(sheet.session.purpose_mask)
            records = []
            for index, member in enumerate(members):
                drifting = index % 7 == 3 and number >= len(sessions) - 3
                roll = chooser.random()
                if drifting or roll < 0.1:
                    status = AttendanceStatus.ABSENT
                elif roll < 0.18:
                    status = AttendanceStatus.EXCUSED
                elif roll < 0.28:
                    status = AttendanceStatus.LATE
                else:
                    status = AttendanceStatus.PRESENT
                if status == AttendanceStatus.ABSENT and chooser.random() < 0.5:
                    continue  # left out of the roll: counts as absent too
                record: dict[str, Any] = {"member_id": member["member_id"], "status": status}
                if status in ATTENDED_STATUSES:
                    record["participation"] = chooser.choice(tuple(Participation))
                    record["purposes"] = chooser.sample(declared, chooser.randint(0, len(declared)))
                if chooser.random() < 0.08:
                    record["note"] = chooser.choice(NOTES)
                records.append(RollRecordInput(**record))
            await service.put_roll(actor, row.id, RollInput(records=records))
            taken += 1
    return taken
