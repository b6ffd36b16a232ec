"""The group-work vocabulary Lingkar speaks.

One source of truth for the API, the pages and the site.
"""

from backend.domain.vocabulary import (
    ATTENDED_STATUSES,
    GROUP_KINDS,
    PARTICIPATION_LEVELS,
    PHASES,
    PURPOSE_CODES,
    PURPOSES,
    ROLES,
    STATUSES,
    AttendanceStatus,
    GroupKind,
    Participation,
    Phase,
    Purpose,
    Role,
)

__all__ = [
    "ATTENDED_STATUSES",
    "GROUP_KINDS",
    "PARTICIPATION_LEVELS",
    "PHASES",
    "PURPOSES",
    "PURPOSE_CODES",
    "ROLES",
    "STATUSES",
    "AttendanceStatus",
    "GroupKind",
    "Participation",
    "Phase",
    "Purpose",
    "Role",
]
