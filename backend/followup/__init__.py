"""Following up members who are drifting away: one list across a facilitator's groups, and a
record of every contact with its outcome."""
