from tests.attendance.conftest import make_sessions

__all__ = ["make_sessions"]
