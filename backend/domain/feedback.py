"""The members' feedback after a session: four short items on a five-point pictorial scale.

Lingkar's own wording, openly licensed with the rest of Lingkar (not a published rating scale's
items). Item codes are stable: they are stored with every answer and named in the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# How long after a session's start its members may answer (or change their answer), in days.
FEEDBACK_DAYS = 7
# Staff see answers only in aggregate, and only from this many answers up.
FEEDBACK_MINIMUM = 3


class FeedbackItemCode(StrEnum):
    HEARD = "heard"
    MATTERED = "mattered"
    WAY_OF_WORKING = "way-of-working"
    OVERALL = "overall"


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    code: str
    text: str
    text_id: str

    def text_in(self, language: str) -> str:
        return self.text_id if language == "id" else self.text


FEEDBACK_ITEMS: tuple[FeedbackItem, ...] = (
    FeedbackItem(
        code=FeedbackItemCode.HEARD,
        text="People listened to me and treated me with respect.",
        text_id="Orang lain mendengarkan saya dan memperlakukan saya dengan hormat.",
    ),
    FeedbackItem(
        code=FeedbackItemCode.MATTERED,
        text="We spent our time on things that matter to me.",
        text_id="Kami menggunakan waktu untuk hal-hal yang penting bagi saya.",
    ),
    FeedbackItem(
        code=FeedbackItemCode.WAY_OF_WORKING,
        text="How we worked together felt right for me.",
        text_id="Cara kami bekerja bersama terasa cocok bagi saya.",
    ),
    FeedbackItem(
        code=FeedbackItemCode.OVERALL,
        text="All in all, this session did me good.",
        text_id="Secara keseluruhan, pertemuan ini bermanfaat bagi saya.",
    ),
)
FEEDBACK_ITEM_CODES: tuple[str, ...] = tuple(i.code for i in FEEDBACK_ITEMS)

# The scale, 1 to 5: a face for the eye and words for screen readers and the unsure.
FEEDBACK_SCALE: tuple[tuple[int, str, str, str], ...] = (
    (1, "😞", "Not at all", "Sama sekali tidak"),
    (2, "🙁", "A little", "Sedikit"),
    (3, "😐", "Somewhat", "Lumayan"),
    (4, "🙂", "Mostly", "Sebagian besar"),
    (5, "😄", "Completely", "Sepenuhnya"),
)
