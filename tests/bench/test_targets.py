"""The speed targets as bench/report.py evaluates them, on made-up results."""

from __future__ import annotations

import argparse

import pytest

from bench import report
from bench.canary import summarise
from bench.load import Operation, Result
from bench.report import ScaleRun, baseline_of, table, targets
from bench.run import history

FLOORS = {report.BARE: 10_000.0, report.PK: 8_000.0, report.WRITE: 1_000.0}


def result(
    name: str, rps: float, p99: float = 20.0, canary: float | None = 5.0, non_2xx: int = 0
) -> Result:
    return Result(
        operation=Operation(name, "/", floor=name in FLOORS),
        requests=int(rps * 10),
        requests_per_s=rps,
        p50_ms=p99 / 2,
        p99_ms=p99,
        non_2xx=non_2xx,
        socket_errors=0,
        canary=None if canary is None else summarise([1.0, canary]),
    )


def ngo_run(**overrides: Result) -> ScaleRun:
    results = [result(name, rps, canary=None) for name, rps in FLOORS.items()]
    operations = {
        report.PURPOSES: result(report.PURPOSES, 7_000),  # 70 % of bare: met exactly
        report.WHO_AM_I: result(report.WHO_AM_I, 4_000),
        report.ONE_GROUP: result(report.ONE_GROUP, 2_400),
        report.MEMBER_ATTENDANCE: result(report.MEMBER_ATTENDANCE, 3_199),  # just under 40 %
        report.SESSIONS_OF_A_WEEK: result(report.SESSIONS_OF_A_WEEK, 2_400),
        report.ROLL_CALL: result(report.ROLL_CALL, 500),  # 50 % of the write floor, not of pk
        report.REPORT: result(report.REPORT, 800, p99=49.0),
        report.LOGIN: result(report.LOGIN, 3, p99=2_000.0),
    }
    operations.update(overrides)
    return ScaleRun("ngo", "test", 1, results + list(operations.values()), groups=50)


def by_text(run: ScaleRun, runs: list[ScaleRun] | None = None) -> dict[str, bool]:
    return {t.text: t.met for t in targets(run, runs or [run])}


def test_ngo_ratios_against_the_floor_each_target_names() -> None:
    met = by_text(ngo_run())
    assert met["purposes (public) >= 70% of the bare floor's requests/s"]
    assert met["who am I >= 50% of the pk floor's requests/s"]
    assert not met["member attendance >= 40% of the pk floor's requests/s"]
    assert met["sessions of a week >= 30% of the pk floor's requests/s"]
    assert met["one group >= 30% of the pk floor's requests/s"]
    assert met["group report (a year) >= 10% of the pk floor's requests/s"]
    assert met["roll call (15 records) >= 50% of the write floor's requests/s"]


def test_ngo_p99_targets_leave_login_aside_and_fail_on_errors() -> None:
    run = ngo_run(**{report.ONE_GROUP: result(report.ONE_GROUP, 2_400, non_2xx=3)})
    met = by_text(run)
    assert met["group report (a year) p99 < 50 ms"]
    assert not met["one group p99 < 50 ms"]
    assert not met["one group >= 30% of the pk floor's requests/s"]
    assert not any(text.startswith(report.LOGIN) for text in met)


def test_a_missing_floor_misses_its_ratio_targets() -> None:
    run = ngo_run()
    run.results = [r for r in run.results if r.name != report.WRITE]
    found = {t.text: t for t in targets(run, [run])}
    roll = found["roll call (15 records) >= 50% of the write floor's requests/s"]
    assert not roll.met
    assert "not run" in roll.detail


def test_the_canary_target_takes_the_longest_stall_login_aside() -> None:
    quiet = ngo_run(**{report.LOGIN: result(report.LOGIN, 3, canary=400.0)})
    (canary,) = [t for t in targets(quiet, [quiet]) if "canary" in t.text]
    assert canary.met
    stalled = ngo_run(**{report.REPORT: result(report.REPORT, 800, canary=23.5)})
    (canary,) = [t for t in targets(stalled, [stalled]) if "canary" in t.text]
    assert not canary.met
    assert "longest 23.5 ms (group report (a year))" in canary.detail
    unwatched = ngo_run(**{report.ROLL_CALL: result(report.ROLL_CALL, 500, canary=None)})
    (canary,) = [t for t in targets(unwatched, [unwatched]) if "canary" in t.text]
    assert not canary.met


def programme_run(history: int, report_rps: float, report_p99: float) -> ScaleRun:
    results = [result(name, rps) for name, rps in FLOORS.items()]
    results += [
        result(report.WHO_AM_I, 3_000, p99=40.0),
        result(report.REPORT, report_rps, p99=report_p99),
        result(report.LOGIN, 3, p99=5_000.0),
    ]
    return ScaleRun("programme", "test", 2, results, history=history, groups=200)


def test_programme_p99_targets() -> None:
    run = programme_run(1, 300, 60.0)
    met = by_text(run)
    assert met["who am I p99 < 100 ms"]
    assert met["group report (a year) p99 < 100 ms"]
    assert not met["group report (a year) p99 < 50 ms"]
    assert not any("pk floor" in text for text in met)  # no ratio targets on this scale


def test_twice_the_history_within_20_percent_of_the_1x_figures() -> None:
    once = programme_run(1, 300, 40.0)
    twice = programme_run(2, 241, 48.0)  # 0.80x requests/s, 1.20x p99: just within
    assert baseline_of(twice, [once, twice]) is once
    met = by_text(twice, [once, twice])
    assert met["group report (a year) within 20% of the 1x run (requests/s >= 0.80x, p99 <= 1.20x)"]
    slower = programme_run(2, 239, 40.0)
    met = by_text(slower, [once, slower])
    assert not met[
        "group report (a year) within 20% of the 1x run (requests/s >= 0.80x, p99 <= 1.20x)"
    ]
    assert not any(text.startswith(report.LOGIN) for text in met)
    # Without a 1x run of the same data set there is nothing to compare with.
    alone = by_text(twice, [twice])
    assert not any(met for text, met in alone.items() if "within 20%" in text)


def test_the_table_shows_each_ratio_against_its_floor_and_the_canary() -> None:
    text = table(ngo_run())
    assert "| canary max ms |" in text.splitlines()[0]
    assert "| roll call (15 records) | 500 | 10.0 | 20.0 | 5.0 | 0 | 0.50 of write |" in text
    assert "| purposes (public) | 7,000 | 10.0 | 20.0 | 5.0 | 0 | 0.70 of bare |" in text
    assert "| login | 3 | 1000.0 | 2000.0 | 5.0 | 0 | - |" in text
    once, twice = programme_run(1, 300, 40.0), programme_run(2, 150, 80.0)
    assert "| 0.50 · 2.00 |" in table(twice, once)


def test_history_argument() -> None:
    assert history("1x") == 1
    assert history("2x") == 2
    for wrong in ("2", "x2", "0x", "two"):
        with pytest.raises(argparse.ArgumentTypeError, match="1x, 2x"):
            history(wrong)
