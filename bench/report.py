"""Tables, targets, machine facts, ``bench/results/latest.md`` and the README's latest run."""

from __future__ import annotations

import os
import platform
import re
import sqlite3
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.load import Result

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
README = BENCH_DIR / "README.md"
START, END = "<!-- latest-run:start -->", "<!-- latest-run:end -->"

BARE, PK, WRITE = "floor: bare Litestar", "floor: pk read", "floor: write (15 records)"
PURPOSES, WHO_AM_I, ONE_GROUP = "purposes (public)", "who am I", "one group"
MEMBER_ATTENDANCE, SESSIONS_OF_A_WEEK = "member attendance", "sessions of a week"
ROLL_CALL, REPORT, LOGIN = "roll call (15 records)", "group report (a year)", "login"
FLOORS = {BARE: "bare", PK: "pk", WRITE: "write"}

# The floor each operation's ratio is taken against (the one its target uses).
FLOOR_OF: dict[str, str] = {
    BARE: BARE,
    PK: PK,
    WRITE: WRITE,
    PURPOSES: BARE,
    WHO_AM_I: PK,
    MEMBER_ATTENDANCE: PK,
    SESSIONS_OF_A_WEEK: PK,
    ONE_GROUP: PK,
    REPORT: PK,
    ROLL_CALL: WRITE,
}
# NGO (SQLite, 1 worker): each operation's requests/s at least this share of its floor's.
NGO_SHARES: dict[str, float] = {
    PURPOSES: 0.70,
    WHO_AM_I: 0.50,
    MEMBER_ATTENDANCE: 0.40,
    SESSIONS_OF_A_WEEK: 0.30,
    ONE_GROUP: 0.30,
    REPORT: 0.10,
    ROLL_CALL: 0.50,
}
P99_LIMIT_MS = {"ngo": 50.0, "programme": 100.0}  # every operation's p99, login aside
REPORT_P99_LIMIT_MS = {"programme": 50.0}
CANARY_LIMIT_MS = 10.0
HISTORY_TOLERANCE = 0.20  # at more history, requests/s and p99 within 20 % of the 1x run's
ARGON2 = "argon2 by design"


@dataclass(slots=True)
class ScaleRun:
    scale: str  # "ngo" | "programme": which targets apply
    description: str
    workers: int
    results: list[Result]
    history: int = 1  # times the standard history
    groups: int = 0  # the data set's groups (a smaller one in smoke tests)
    label: str = ""  # e.g. "programme, 2x history"; the scale's name when empty

    def __post_init__(self) -> None:
        if not self.label:
            self.label = self.scale + (f", {self.history}x history" if self.history > 1 else "")

    def get(self, name: str) -> Result | None:
        return next((r for r in self.results if r.name == name), None)

    @property
    def lingkar(self) -> list[Result]:
        return [r for r in self.results if not r.operation.floor]


@dataclass(slots=True)
class Target:
    scale: str
    text: str
    met: bool
    detail: str


def baseline_of(run: ScaleRun, runs: Sequence[ScaleRun]) -> ScaleRun | None:
    """The 1x run of the same scale and groups that a run with more history is compared with."""
    if run.history == 1:
        return None
    return next(
        (r for r in runs if r.scale == run.scale and r.history == 1 and r.groups == run.groups),
        None,
    )


def ratio_text(run: ScaleRun, result: Result) -> str:
    """``0.36 of bare``: requests/s against the floor the operation's target uses."""
    floor_name = FLOOR_OF.get(result.name)
    floor = run.get(floor_name) if floor_name else None
    if floor is None or not floor.requests_per_s:
        return "-"
    return f"{result.requests_per_s / floor.requests_per_s:.2f} of {FLOORS[floor.name]}"


def canary_text(result: Result) -> str:
    canary = result.canary
    if canary is None or not canary.requests:
        return "-"
    return f"{canary.max_ms:.1f}" + (f" ({canary.failures:,} failed)" if canary.failures else "")


def table(run: ScaleRun, baseline: ScaleRun | None = None) -> str:
    head = (
        "| operation | requests/s | p50 ms | p99 ms | canary max ms | non-2xx "
        "| ratio to its floor |"
    )
    rule = "|---|---:|---:|---:|---:|---:|---:|"
    if baseline is not None:
        head += " vs 1x: requests/s · p99 |"
        rule += "---:|"
    lines = [head, rule]
    for r in run.results:
        bad = r.non_2xx + r.socket_errors
        non_2xx = f"{bad:,}" + (f" ({r.operation.note})" if r.operation.note and bad else "")
        p50, p99 = (f"{r.p50_ms:.1f}", f"{r.p99_ms:.1f}") if r.requests else ("-", "-")
        if not r.requests:
            non_2xx += " (no response within the run)"
        line = (
            f"| {r.name} | {r.requests_per_s:,.0f} | {p50} | {p99} | {canary_text(r)} | "
            f"{non_2xx} | {ratio_text(run, r)} |"
        )
        if baseline is not None:
            base = baseline.get(r.name)
            line += (
                f" {r.requests_per_s / base.requests_per_s:.2f} · {r.p99_ms / base.p99_ms:.2f} |"
                if base is not None and base.requests_per_s and base.p99_ms and r.requests
                else " - |"
            )
        lines.append(line)
    return "\n".join(lines)


def _ok(result: Result) -> bool:
    return result.non_2xx == 0 and result.socket_errors == 0 and result.requests > 0


def _failures(result: Result) -> str:
    if _ok(result):
        return ""
    if not result.requests:
        return ", no response within the run"
    return f", {result.non_2xx + result.socket_errors:,} non-2xx"


def ratio_targets(run: ScaleRun, shares: dict[str, float]) -> list[Target]:
    out = []
    for name, share in shares.items():
        floor_name = FLOOR_OF[name]
        text = f"{name} >= {share:.0%} of the {FLOORS[floor_name]} floor's requests/s"
        result, floor = run.get(name), run.get(floor_name)
        if result is None or floor is None or not floor.requests_per_s:
            missing = name if result is None else floor_name
            out.append(Target(run.label, text, False, f"not run ({missing})"))
            continue
        ratio = result.requests_per_s / floor.requests_per_s
        out.append(
            Target(
                run.label,
                text,
                ratio >= share and _ok(result),
                f"{ratio:.0%} ({result.requests_per_s:,.0f} of {floor.requests_per_s:,.0f})"
                + _failures(result),
            )
        )
    return out


def p99_targets(run: ScaleRun, limit: float) -> list[Target]:
    return [
        Target(
            run.label,
            f"{r.name} p99 < {limit:.0f} ms",
            r.p99_ms < limit and _ok(r),
            f"p99 {r.p99_ms:.1f} ms" + _failures(r),
        )
        for r in run.lingkar
        if r.name != LOGIN
    ]


def canary_target(run: ScaleRun, limit: float = CANARY_LIMIT_MS) -> Target:
    """One target per run: the longest stall over every operation (login aside)."""
    text = f"the canary's longest stall < {limit:.0f} ms while each operation ran (login aside)"
    watched = [r for r in run.lingkar if r.name != LOGIN]
    measured = [r for r in watched if r.canary is not None and r.canary.requests]
    if not measured:
        return Target(run.label, text, False, "not run")
    worst = max(measured, key=lambda r: r.canary.max_ms if r.canary else 0.0)
    over = [r for r in measured if r.canary and (r.canary.max_ms >= limit or r.canary.failures)]
    unwatched = [r.name for r in watched if r.canary is None or not r.canary.requests]
    detail = f"longest {worst.canary.max_ms:.1f} ms ({worst.name})" if worst.canary else ""
    if over:
        detail += "; at or over the limit: " + ", ".join(
            f"{r.name} {r.canary.max_ms:.1f} ms"
            + (f" ({r.canary.failures:,} failed)" if r.canary.failures else "")
            for r in over
            if r.canary
        )
    if unwatched:
        detail += "; no canary: " + ", ".join(unwatched)
    return Target(run.label, text, not over and not unwatched, detail)


def history_targets(
    run: ScaleRun, baseline: ScaleRun | None, tolerance: float = HISTORY_TOLERANCE
) -> list[Target]:
    """At more history, each operation's requests/s and p99 within ``tolerance`` of 1x."""
    out = []
    for r in run.lingkar:
        if r.name == LOGIN:
            continue
        text = (
            f"{r.name} within {tolerance:.0%} of the 1x run "
            f"(requests/s >= {1 - tolerance:.2f}x, p99 <= {1 + tolerance:.2f}x)"
        )
        base = baseline.get(r.name) if baseline is not None else None
        if base is None or not base.requests_per_s or not base.p99_ms:
            out.append(Target(run.label, text, False, "not run: no 1x figures in this run"))
            continue
        speed = r.requests_per_s / base.requests_per_s
        latency = r.p99_ms / base.p99_ms
        out.append(
            Target(
                run.label,
                text,
                speed >= 1 - tolerance and latency <= 1 + tolerance and _ok(r) and _ok(base),
                f"requests/s {speed:.2f}x ({r.requests_per_s:,.0f} vs "
                f"{base.requests_per_s:,.0f}), p99 {latency:.2f}x ({r.p99_ms:.1f} vs "
                f"{base.p99_ms:.1f} ms)" + _failures(r) + ("" if _ok(base) else " (1x failed)"),
            )
        )
    return out


def targets(run: ScaleRun, runs: Sequence[ScaleRun] = ()) -> list[Target]:
    """The speed targets that apply to ``run`` (``runs``: the whole invocation, for the
    1x figures a run with more history is compared with)."""
    out: list[Target] = []
    if run.history > 1:
        out += history_targets(run, baseline_of(run, runs))
    else:
        if run.scale == "ngo":
            out += ratio_targets(run, NGO_SHARES)
        if run.scale in REPORT_P99_LIMIT_MS:
            limit = REPORT_P99_LIMIT_MS[run.scale]
            result = run.get(REPORT)
            out.append(
                Target(
                    run.label,
                    f"{REPORT} p99 < {limit:.0f} ms",
                    result is not None and result.p99_ms < limit and _ok(result),
                    "not run"
                    if result is None
                    else f"p99 {result.p99_ms:.1f} ms" + _failures(result),
                )
            )
        if run.scale in P99_LIMIT_MS:
            out += p99_targets(run, P99_LIMIT_MS[run.scale])
    out.append(canary_target(run))
    return out


def targets_text(items: Sequence[Target]) -> str:
    return "\n".join(
        f"- [{'x' if t.met else ' '}] {t.scale}: {t.text} — {'met' if t.met else 'MISSED'}: "
        f"{t.detail}"
        for t in items
    )


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return platform.processor() or "unknown"
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return found.group(1).strip() if found else "unknown"


def _version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return "unknown"
    text = (done.stdout or done.stderr).strip()
    return " ".join(text.split()[:2]) if text else "unknown"


def machine_facts(postgres_version: str | None) -> list[str]:
    from importlib.metadata import version

    return [
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- nproc: {os.cpu_count()}; CPU: {_cpu_model()}",
        f"- Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}; "
        f"PostgreSQL {postgres_version or 'not used'}",
        f"- Litestar {version('litestar')}; Piccolo {version('piccolo')}; "
        f"granian {version('granian')}; "
        f"{_version(['wrk', '-v'])}",
    ]


def markdown(runs: Sequence[ScaleRun], settings: str, postgres_version: str | None) -> str:
    parts = ["## Latest run", "", *machine_facts(postgres_version), f"- {settings}", ""]
    for run in runs:
        parts += [
            f"### {run.label} — {run.description}",
            "",
            table(run, baseline_of(run, runs)),
            "",
        ]
    items = [t for run in runs for t in targets(run, runs)]
    parts += ["### Targets", "", targets_text(items), ""]
    return "\n".join(parts)


def write_results(text: str) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / "latest.md"
    path.write_text("# Lingkar benchmark\n\n" + text, encoding="utf-8")
    return path


def update_readme(text: str) -> None:
    """Replace the README's section between the latest-run markers (appended if missing)."""
    current = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    block = f"{START}\n{text.rstrip()}\n{END}"
    if START in current and END in current:
        head, rest = current.split(START, 1)
        tail = rest.split(END, 1)[1]
        current = head + block + tail
    else:
        current = current.rstrip() + "\n\n" + block + "\n"
    README.write_text(current, encoding="utf-8")
