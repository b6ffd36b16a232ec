"""Every table, in dependency order, for migrations and for binding to an engine."""

from piccolo.table import Table

from backend.accounts.tables import AuthSession, LoginThrottle, User
from backend.attendance.tables import Attendance, AttendanceAudit
from backend.curricula.tables import Curriculum, CurriculumStep
from backend.feedback.tables import SessionFeedback
from backend.figures.tables import AttendanceFact, MemberGroupFigures, SessionFigures
from backend.followup.tables import FollowUpContact
from backend.groups.tables import Group, GroupFacilitator, Member, Membership
from backend.reminders.tables import ReminderOptOut, ReminderSent
from backend.rights.tables import RightsAudit
from backend.scheduling.tables import CalendarToken, Series, Session

ALL_TABLES: tuple[type[Table], ...] = (
    User,
    Member,
    AuthSession,
    Curriculum,
    CurriculumStep,
    Group,
    GroupFacilitator,
    Membership,
    Series,
    Session,
    CalendarToken,
    Attendance,
    AttendanceAudit,
    AttendanceFact,
    MemberGroupFigures,
    SessionFigures,
    LoginThrottle,
    FollowUpContact,
    SessionFeedback,
    ReminderSent,
    ReminderOptOut,
    RightsAudit,
)
