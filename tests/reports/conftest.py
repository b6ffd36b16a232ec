from tests.attendance.conftest import days_ago, make_sessions

__all__ = ["days_ago", "make_sessions"]
