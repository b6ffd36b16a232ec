"""What the data-rights audit records (stable codes, stored)."""

from enum import StrEnum


class RightsAction(StrEnum):
    ERASE = "erase"
    RETENTION = "retention"
