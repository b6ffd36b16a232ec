"""The scheduling helpers, shared with the calendar tests."""

from tests.scheduling.conftest import schedule, weekly

__all__ = ["schedule", "weekly"]
