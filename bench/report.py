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

BARE, PK = "floor: bare Litestar", "floor: pk read"
MEMBER_ATTENDANCE, ROLL_CALL, REPORT, LOGIN = (
    "member attendance",
    "roll call (15 records)",
    "group report (a year)",
    "login",
)


@dataclass(slots=True)
class ScaleRun:
    scale: str
    description: str
    workers: int
    results: list[Result]

    def get(self, name: str) -> Result | None:
        return next((r for r in self.results if r.name == name), None)


@dataclass(slots=True)
class Target:
    scale: str
    text: str
    met: bool
    detail: str


def table(run: ScaleRun) -> str:
    bare, pk = run.get(BARE), run.get(PK)
    lines = [
        "| operation | requests/s | p50 ms | p99 ms | non-2xx | vs bare floor | vs pk-read floor |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in run.results:
        ratio_bare = f"{r.requests_per_s / bare.requests_per_s:.2f}" if bare else "-"
        ratio_pk = f"{r.requests_per_s / pk.requests_per_s:.2f}" if pk else "-"
        bad = r.non_2xx + r.socket_errors
        non_2xx = f"{bad:,}" + (f" ({r.operation.note})" if r.operation.note and bad else "")
        p50, p99 = (f"{r.p50_ms:.1f}", f"{r.p99_ms:.1f}") if r.requests else ("-", "-")
        if not r.requests:
            non_2xx += " (no response within the run)"
        lines.append(
            f"| {r.name} | {r.requests_per_s:,.0f} | {p50} | {p99} | "
            f"{non_2xx} | {ratio_bare} | {ratio_pk} |"
        )
    return "\n".join(lines)


def _ok(result: Result) -> bool:
    return result.non_2xx == 0 and result.socket_errors == 0 and result.requests > 0


def targets(run: ScaleRun) -> list[Target]:
    out: list[Target] = []
    lingkar = [r for r in run.results if not r.operation.floor]
    pk = run.get(PK)
    if run.scale == "ngo":
        for name, share in ((MEMBER_ATTENDANCE, 0.40), (ROLL_CALL, 0.15)):
            result = run.get(name)
            if result is None or pk is None:
                out.append(
                    Target(run.scale, f"{name} >= {share:.0%} of pk floor", False, "not run")
                )
                continue
            ratio = result.requests_per_s / pk.requests_per_s
            out.append(
                Target(
                    run.scale,
                    f"{name} >= {share:.0%} of the sqlite3 pk-read floor's requests/s",
                    ratio >= share and _ok(result),
                    f"{ratio:.0%} ({result.requests_per_s:,.0f} of {pk.requests_per_s:,.0f})"
                    + ("" if _ok(result) else f", {result.non_2xx:,} non-2xx"),
                )
            )
        limit = 50.0
    else:
        limit = 100.0
        result = run.get(REPORT)
        out.append(
            Target(
                run.scale,
                f"{REPORT} p99 < 50 ms",
                result is not None and result.p99_ms < 50 and _ok(result),
                "not run" if result is None else f"p99 {result.p99_ms:.1f} ms",
            )
        )
    for result in lingkar:
        note = " (argon2 by design)" if result.name == LOGIN else ""
        out.append(
            Target(
                run.scale,
                f"{result.name} p99 < {limit:.0f} ms at the run's connections{note}",
                result.p99_ms < limit and _ok(result),
                ("no response within the run, " if not result.requests else "")
                + f"p99 {result.p99_ms:.1f} ms"
                + ("" if _ok(result) else f", {result.non_2xx + result.socket_errors:,} non-2xx"),
            )
        )
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
        parts += [f"### {run.scale} — {run.description}", "", table(run), ""]
    parts += ["### Targets", "", targets_text([t for run in runs for t in targets(run)]), ""]
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
