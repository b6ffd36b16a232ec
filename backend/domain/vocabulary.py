"""Purposes, group kinds, phases, attendance statuses and participation levels.

The six purposes follow Toseland and Rivas (1984: 8-9) as cited in Benjamin, Bessant and Watts
(1997: 5), in the order of that source. Their codes are stable: they are stored in the database,
named in guides' front matter and used in URLs, so never rename one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

SOURCE = "Toseland & Rivas (1984: 8-9), in Benjamin, Bessant & Watts (1997: 5)"


@dataclass(frozen=True, slots=True)
class Purpose:
    code: str
    number: int
    title: str
    summary: str
    title_id: str
    summary_id: str

    def title_in(self, language: str) -> str:
        return self.title_id if language == "id" else self.title

    def summary_in(self, language: str) -> str:
        return self.summary_id if language == "id" else self.summary


PURPOSES: tuple[Purpose, ...] = (
    Purpose(
        code="mutual-aid",
        number=1,
        title="Mutual aid",
        summary=(
            "Members share their experiences, grow and pursue common goals, and learn from and "
            "are supported by one another."
        ),
        title_id="Saling membantu",
        summary_id=(
            "Anggota berbagi pengalaman, bertumbuh dan mengejar tujuan bersama, serta belajar "
            "dari dan didukung oleh sesama anggota."
        ),
    ),
    Purpose(
        code="skills-and-differences",
        number=2,
        title="Working through differences, trying new skills",
        summary=(
            "Members work through differences, such as political views and relations between "
            "members, and develop and try out new skills."
        ),
        title_id="Mengolah perbedaan, mencoba keterampilan baru",
        summary_id=(
            "Anggota mengolah perbedaan, seperti pandangan politik dan hubungan antaranggota, "
            "serta mengembangkan dan mencoba keterampilan baru."
        ),
    ),
    Purpose(
        code="reduce-isolation",
        number=3,
        title="Reducing isolation",
        summary=(
            "The group eases social isolation and loneliness by bringing members into contact "
            "with people they had not met before."
        ),
        title_id="Mengurangi keterasingan",
        summary_id=(
            "Kelompok meredakan isolasi sosial dan kesepian dengan mempertemukan anggota dengan "
            "orang-orang yang belum pernah mereka jumpai."
        ),
    ),
    Purpose(
        code="social-change",
        number=4,
        title="A source of social change",
        summary=(
            "The group is a strong source of social change: it helps members resist racial and "
            "sexual categorisation and offers role models and resources against exploitation "
            "and political pressure."
        ),
        title_id="Sumber perubahan sosial",
        summary_id=(
            "Kelompok menjadi sumber perubahan sosial yang kuat: membantu anggota menolak "
            "pengotakan berdasarkan ras dan jenis kelamin, serta memberi teladan dan sumber daya "
            "untuk menghadapi eksploitasi dan tekanan politik."
        ),
    ),
    Purpose(
        code="movement-arena",
        number=5,
        title="An arena for movements",
        summary="The group is a main arena in which social and political movements are built.",
        title_id="Arena gerakan",
        summary_id="Kelompok menjadi arena utama tempat gerakan sosial dan politik dibangun.",
    ),
    Purpose(
        code="identity-and-movement",
        number=6,
        title="Linking identity to a wider movement",
        summary=(
            "The group helps people connect their personal identity with a larger social movement."
        ),
        title_id="Menautkan identitas dengan gerakan yang lebih luas",
        summary_id=(
            "Kelompok membantu orang menghubungkan identitas pribadinya dengan gerakan sosial "
            "yang lebih besar."
        ),
    ),
)

PURPOSE_CODES: tuple[str, ...] = tuple(p.code for p in PURPOSES)
PURPOSES_BY_CODE: dict[str, Purpose] = {p.code: p for p in PURPOSES}


class PurposeCode(StrEnum):
    MUTUAL_AID = "mutual-aid"
    SKILLS_AND_DIFFERENCES = "skills-and-differences"
    REDUCE_ISOLATION = "reduce-isolation"
    SOCIAL_CHANGE = "social-change"
    MOVEMENT_ARENA = "movement-arena"
    IDENTITY_AND_MOVEMENT = "identity-and-movement"


class GroupKind(StrEnum):
    SUPPORT = "support"
    EDUCATION = "education"
    GROWTH = "growth"
    THERAPY = "therapy"
    SOCIALIZATION = "socialization"
    TASK = "task"
    SELF_HELP = "self-help"


class Phase(StrEnum):
    """The intervention cycle; monitoring is optional, between intervention and evaluation."""

    ENGAGEMENT = "engagement"
    ASSESSMENT = "assessment"
    PLANNING = "planning"
    INTERVENTION = "intervention"
    MONITORING = "monitoring"
    EVALUATION = "evaluation"
    TERMINATION = "termination"


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"
    ABSENT = "absent"


class AbsenceReason(StrEnum):
    """Why a member is excused (the Indonesian roll's izin and sakit, or something else)."""

    SICK = "sick"
    PERMISSION = "permission"
    OTHER = "other"


class Participation(StrEnum):
    OBSERVED = "observed"
    CONTRIBUTED = "contributed"
    LED = "led"


class Language(StrEnum):
    """The languages Lingkar speaks (a catalog in backend/locales for each)."""

    EN = "en"
    ID = "id"


class Role(StrEnum):
    ADMIN = "admin"
    FACILITATOR = "facilitator"
    MEMBER = "member"


GROUP_KINDS: tuple[str, ...] = tuple(k.value for k in GroupKind)
PHASES: tuple[str, ...] = tuple(p.value for p in Phase)
STATUSES: tuple[str, ...] = tuple(s.value for s in AttendanceStatus)
ATTENDED_STATUSES: frozenset[str] = frozenset({AttendanceStatus.PRESENT, AttendanceStatus.LATE})
PARTICIPATION_LEVELS: tuple[str, ...] = tuple(p.value for p in Participation)
ABSENCE_REASONS: tuple[str, ...] = tuple(r.value for r in AbsenceReason)
ROLES: tuple[str, ...] = tuple(r.value for r in Role)


def in_language(labels: tuple[str, str], language: str) -> str:
    """The label of an (English, Indonesian) pair in ``language``."""
    return labels[1] if language == Language.ID else labels[0]


GROUP_KIND_LABELS: dict[str, tuple[str, str]] = {
    "support": ("Support group", "Kelompok dukungan"),
    "education": ("Education group", "Kelompok edukasi"),
    "growth": ("Growth group", "Kelompok pertumbuhan"),
    "therapy": ("Therapy group", "Kelompok terapi"),
    "socialization": ("Socialisation group", "Kelompok sosialisasi"),
    "task": ("Task group", "Kelompok tugas"),
    "self-help": ("Self-help group", "Kelompok swabantu"),
}

STATUS_LABELS: dict[str, tuple[str, str]] = {
    AttendanceStatus.PRESENT: ("Present", "Hadir"),
    AttendanceStatus.LATE: ("Late", "Terlambat"),
    AttendanceStatus.EXCUSED: ("Excused", "Izin"),
    AttendanceStatus.ABSENT: ("Absent", "Alpa"),
}

ABSENCE_REASON_LABELS: dict[str, tuple[str, str]] = {
    AbsenceReason.SICK: ("Sick", "Sakit"),
    AbsenceReason.PERMISSION: ("Permission", "Izin"),
    AbsenceReason.OTHER: ("Other reason", "Alasan lain"),
}

PARTICIPATION_LABELS: dict[str, tuple[str, str]] = {
    Participation.OBSERVED: ("Observed", "Mengamati"),
    Participation.CONTRIBUTED: ("Contributed", "Berkontribusi"),
    Participation.LED: ("Led", "Memimpin"),
}

PHASE_LABELS: dict[str, tuple[str, str]] = {
    "engagement": ("Engagement", "Keterlibatan (engagement)"),
    "assessment": ("Assessment", "Asesmen"),
    "planning": ("Planning", "Perencanaan"),
    "intervention": ("Intervention", "Intervensi"),
    "monitoring": ("Monitoring", "Pemantauan"),
    "evaluation": ("Evaluation", "Evaluasi"),
    "termination": ("Termination", "Terminasi"),
}


ROLE_LABELS: dict[str, tuple[str, str]] = {
    Role.ADMIN: ("Admin", "Admin"),
    Role.FACILITATOR: ("Facilitator", "Fasilitator"),
    Role.MEMBER: ("Member", "Anggota"),
}


class MembershipStatus(StrEnum):
    """A period of a member in a group: waiting for a place, taking part, or over."""

    WAITLISTED = "waitlisted"
    ACTIVE = "active"
    ENDED = "ended"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class ClashReason(StrEnum):
    """Why an occurrence cannot take place: a facilitator, or the place, is booked then."""

    FACILITATOR = "facilitator"
    LOCATION = "location"


class FollowUpReason(StrEnum):
    """Why a member is on the follow-up list (see backend.attendance.figures)."""

    ABSENCE_STREAK = "absence-streak"
    LOW_RECENT_RATE = "low-recent-rate"


class StaffRole(StrEnum):
    """The roles an admin can give an account."""

    ADMIN = "admin"
    FACILITATOR = "facilitator"


STAFF_ROLES: frozenset[str] = frozenset({Role.ADMIN, Role.FACILITATOR})
# Memberships whose dates decide who counts for a held session.
COUNTING_MEMBERSHIPS: tuple[str, ...] = (MembershipStatus.ACTIVE, MembershipStatus.ENDED)
OPEN_MEMBERSHIPS: tuple[str, ...] = (MembershipStatus.ACTIVE, MembershipStatus.WAITLISTED)


class ContactOutcome(StrEnum):
    """What came of contacting a member on the follow-up list."""

    REACHED = "reached"
    NO_ANSWER = "no-answer"
    MOVED_AWAY = "moved-away"
    OTHER = "other"


CONTACT_OUTCOME_LABELS: dict[str, tuple[str, str]] = {
    ContactOutcome.REACHED: ("Reached", "Terhubung"),
    ContactOutcome.NO_ANSWER: ("No answer", "Tidak menjawab"),
    ContactOutcome.MOVED_AWAY: ("Moved away", "Sudah pindah"),
    ContactOutcome.OTHER: ("Other", "Lainnya"),
}
