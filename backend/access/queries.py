"""The SQL of access decisions: conditions on a group id that say which groups a user reaches.

A condition is a fixed text in which ``GROUP_ID`` stands for the group-id column of the query
that uses it; its values are bound. Organisations and areas add one condition each here.
"""

from __future__ import annotations

from backend.db import SQL

GROUP_ID = "GROUP_ID"

EVERY_GROUP = "1 = 1"
NO_GROUP = "1 = 0"
FACILITATED_GROUPS = (
    'GROUP_ID IN (SELECT gf."group" FROM group_facilitator gf WHERE gf."user" = {})'
)

GROUP_REF = (
    "SELECT g.id, g.name, g.timezone, g.purpose_mask, g.capacity, g.location, "
    "g.curriculum AS curriculum_id FROM work_group g WHERE g.id = {} AND "
)

SESSION_REF = (
    'SELECT s.id, s."group" AS group_id, s.starts_at, s.ends_at, s.status, s.roll_taken_at, '
    "g.name AS group_name, g.timezone, g.purpose_mask FROM group_session s "
    'JOIN work_group g ON g.id = s."group" WHERE s.id = {} AND '
)
# A session of a group in which a member has a membership of the given status.
OWN_SESSION_REF = SQL(
    SESSION_REF
    + 's."group" IN (SELECT ms."group" FROM membership ms WHERE ms.member = {} AND ms.status = {})'
)
# PostgreSQL only: SQLite writers hold the database's write lock already.
SESSION_LOCK = SQL("SELECT 1 AS locked FROM group_session WHERE id = {} FOR UPDATE")

MEMBER_EXISTS = SQL("SELECT 1 AS found FROM member m WHERE m.id = {}")
MEMBER_GROUP_IDS = (
    'SELECT DISTINCT ms."group" AS group_id FROM membership ms WHERE ms.member = {} AND '
)

# Members a user may see, as a condition on the member table aliased ``m``: the members who
# are, were or wait to be in the user's groups, and the people the user added themselves.
VISIBLE_MEMBER = "(m.created_by = {} OR m.id IN (SELECT ms.member FROM membership ms WHERE GROUPS))"
MEMBER_VISIBLE = "SELECT 1 AS found FROM member m WHERE m.id = {} AND "
