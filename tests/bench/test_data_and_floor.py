"""The generator's variants (more history, fewer groups) and the write floor's rows, without
building a data set or serving anything."""

from __future__ import annotations

import msgspec
import pytest
from litestar.exceptions import ValidationException

from backend.attendance.queries import INSERT_AUDIT, UPSERT_RECORD
from backend.lib.purposes import to_mask
from bench.data import SCALES, counts_for, fixture_for, make_plan, variant
from bench.floors import Roll, RollBody, write_rows
from bench.run import floor_env, roll_bodies


def test_twice_the_history_doubles_sessions_and_records_not_groups() -> None:
    once = variant(SCALES["programme"], groups=4)
    twice = variant(SCALES["programme"], history=2, groups=4)
    assert (once.key, twice.key) == ("programme-4g", "programme-4g-2x")
    assert variant(SCALES["programme"], history=2).key == "programme-2x"
    one, two = counts_for(make_plan(once)), counts_for(make_plan(twice))
    assert two["attendance"] == 2 * one["attendance"]
    assert two["group_session"] == 2 * one["group_session"]
    assert two["member"] == one["member"] and two["work_group"] == one["work_group"] == 4
    assert SCALES["programme"].history == 1
    with pytest.raises(ValueError):
        variant(SCALES["ngo"], groups=1)


def test_the_report_covers_a_year_whatever_the_history() -> None:
    for history in (1, 2):
        scale = variant(SCALES["ngo"], history=history, groups=3)
        fixture = fixture_for(make_plan(scale), "unused.sqlite3")
        assert fixture.report_sessions == 52
        assert fixture.member_records == 52 * history
        assert fixture.report_from < fixture.report_to
        assert len(fixture.roll_member_ids) == 15


def test_the_write_floor_writes_the_roll_calls_bodies() -> None:
    scale = variant(SCALES["ngo"], groups=3)
    fixture = fixture_for(make_plan(scale), "unused.sqlite3")
    env = floor_env({}, fixture)
    roll = Roll.from_env(env)
    assert roll is not None
    assert roll.members == frozenset(fixture.roll_member_ids)
    assert roll.session == fixture.roll_session_id and roll.user == fixture.roll_user_id
    body = msgspec.json.decode(roll_bodies(fixture)[0], type=RollBody)
    records, audit = write_rows(roll, body, "2026-01-05 09:00:00+00:00")
    assert len(records) == len(audit) == 15
    assert all(len(r) == UPSERT_RECORD.text("sqlite").count("?") for r in records)
    assert all(len(a) == INSERT_AUDIT.text("sqlite").count("?") for a in audit)
    first = body.records[0]
    assert records[0][:6] == (
        fixture.roll_session_id,
        fixture.roll_group_id,
        first.member_id,
        first.status,
        first.participation,
        to_mask(first.purposes),
    )
    assert msgspec.json.decode(audit[0][5])["status"] == first.status
    stranger = RollBody(
        records=[msgspec.convert({"member_id": 1, "status": "absent"}, type=type(first))]
    )
    with pytest.raises(ValidationException):
        write_rows(roll, stranger, "2026-01-05 09:00:00+00:00")
