from __future__ import annotations

from datetime import datetime

from backend.domain.vocabulary import ContactOutcome
from backend.lib.types import Input, Note, Output


class ContactCreate(Input):
    """A contact with a member on the follow-up list, and what came of it."""

    outcome: ContactOutcome
    note: Note = ""


class ContactRead(Output):
    id: int
    group_id: int
    member_id: int
    outcome: ContactOutcome
    note: str
    contacted_at: datetime
    contacted_by: int | None
    contacted_by_name: str | None


class FollowUpEntry(Output):
    """A member drifting away from one of the reader's groups, how to reach them, and the
    contacts made so far (latest first)."""

    group_id: int
    group_name: str
    timezone: str
    member_id: int
    display_name: str
    phone: str | None
    # A WhatsApp click-to-chat link with a kind message in the member's language (no API).
    whatsapp_url: str | None
    message: str
    # "absence-streak" and/or "low-recent-rate" (see backend.followup.service.reasons).
    reasons: list[str]
    absence_streak: int
    recent_held: int
    recent_attended: int
    recent_excused: int
    last_held_at: datetime | None
    contacts: list[ContactRead]


class FollowUpList(Output):
    items: list[FollowUpEntry]
