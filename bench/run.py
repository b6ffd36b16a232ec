"""One command: build the data, serve Lingkar and the floors, drive them with wrk, report.

    .venv/bin/python -m bench.run --scale ngo|programme|both [--rows 1x 2x] [--duration 10]

See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import report
from bench.canary import Canary
from bench.data import SCALES, Fixture, Scale, build, describe, rebuild_figures, variant
from bench.load import Operation, Result, ensure_wrk, run_wrk

REPO = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-secret-key-not-for-production-use-0123456789"
JSON_HEADERS = {"Content-Type": "application/json"}
# The canary's cheap request: Lingkar's public constant list; on the floors, the bare endpoint.
CANARY_PATH, FLOOR_CANARY_PATH = "/api/v1/purposes", "/bare"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(scale: Scale, database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """Production settings: no demo data, a fixed secret, login throttling out of the way."""
    return {
        **os.environ,
        "LINGKAR_DATABASE_URL": database_url,
        "LINGKAR_VAR_DIR": str(var_dir),
        "LINGKAR_SECRET_KEY": SECRET_KEY,
        "LINGKAR_DEMO_DATA": "0",
        "LINGKAR_LOGIN_ATTEMPTS_PER_MINUTE": "10000000",
        "LINGKAR_WORKERS": str(scale.workers),
        "LINGKAR_HOST": "127.0.0.1",
        "LINGKAR_SITE_DIR": str(var_dir / "no-site"),
        "PICCOLO_CONF": "backend.db.piccolo_conf",
        **extra,
    }


def granian_command(app: str, port: int, workers: int) -> list[str]:
    """The command ``lingkar serve`` runs (backend/cli.py), for another application."""
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-ws",
        "--log-level",
        "warning",
        app,
    ]


@contextmanager
def serving(command: list[str], env: dict[str, str], probe: str) -> Iterator[subprocess.Popen]:
    """Start a server in its own process group; yield once ``probe`` answers 200."""
    log = open(Path(env["LINGKAR_VAR_DIR"]) / "server.log", "ab")  # noqa: SIM115
    process = subprocess.Popen(
        command, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited; see {log.name}")
            try:
                if httpx.get(probe, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer {probe}; see {log.name}")
            time.sleep(0.2)
        time.sleep(1.0)  # every worker up
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # our own process group
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def worker_pids(parent: int) -> list[int]:
    """The granian worker processes under ``parent`` (for py-spy)."""
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent:
            found.append(int(entry.name))
    return sorted(found)


# --------------------------------------------------------------------------- data


async def _postgres(admin_url: str, sql: str) -> Any:
    connection = await asyncpg.connect(admin_url)
    try:
        return await connection.fetchval(sql)
    finally:
        await connection.close()


def postgres_database(scale: Scale, args: argparse.Namespace) -> str:
    """``--postgres-database`` for the standard data set; with a suffix for a variant
    (``lingkar_bench_2x``), so that kept data sets of both live side by side."""
    suffix = scale.key.removeprefix(scale.name).replace("-", "_")
    return args.postgres_database + suffix


def _database_url(scale: Scale, args: argparse.Namespace, workdir: Path) -> str:
    if scale.backend == "sqlite":
        return str(workdir / f"{scale.key}.sqlite3")
    base = args.postgres_url.rsplit("/", 1)[0]
    return f"{base}/{postgres_database(scale, args)}"


def prepare(scale: Scale, args: argparse.Namespace, workdir: Path) -> Fixture:
    database_url = _database_url(scale, args, workdir)
    facts = workdir / f"{scale.key}.json"
    if args.reuse_data and facts.exists():
        print(f"Reusing the {scale.key} data set ({database_url})", flush=True)
        return Fixture.load(facts)
    if scale.backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(database_url + suffix).unlink(missing_ok=True)
    else:
        name = postgres_database(scale, args)
        asyncio.run(_postgres(args.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(_postgres(args.postgres_url, f'CREATE DATABASE "{name}"'))
    fixture = build(scale, database_url, server_env(scale, database_url, workdir))
    fixture.save(facts)
    return fixture


def drop_postgres(scale: Scale, args: argparse.Namespace) -> None:
    name = postgres_database(scale, args)
    asyncio.run(_postgres(args.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    (Path(args.workdir) / scale.key / f"{scale.key}.json").unlink(missing_ok=True)


# --------------------------------------------------------------------------- operations


def login(base_url: str, email: str, password: str) -> dict[str, str]:
    """Cookie and CSRF headers of a logged-in session (GET /api/v1/me sets csrftoken)."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
        response.raise_for_status()
        client.get("/api/v1/me").raise_for_status()
        cookies = "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)
        return {"Cookie": cookies, "X-CSRFToken": client.cookies.get("csrftoken", "")}


def roll_bodies(fixture: Fixture, count: int = 3) -> list[str]:
    """Whole rolls of 15 members that differ from each other, so every PUT changes records."""
    statuses = ("present", "present", "late", "present", "absent", "excused", "present")
    levels = ("observed", "contributed", "led")
    purposes = fixture.roll_purposes
    bodies = []
    for turn in range(count):
        records = []
        for i, member_id in enumerate(fixture.roll_member_ids):
            status = statuses[(i + turn) % len(statuses)]
            record: dict[str, Any] = {"member_id": member_id, "status": status}
            if status in ("present", "late"):
                record["participation"] = levels[(i + turn) % len(levels)]
                record["purposes"] = purposes[: 1 + (i + turn) % len(purposes)]
            records.append(record)
        bodies.append(json.dumps({"records": records}, separators=(",", ":")))
    return bodies


def floor_operations(fixture: Fixture) -> list[Operation]:
    return [
        Operation(report.BARE, "/bare", floor=True),
        Operation(report.PK, "/pk", floor=True),
        Operation(
            report.WRITE,
            "/write",
            method="PUT",
            headers=JSON_HEADERS,
            bodies=roll_bodies(fixture),
            floor=True,
        ),
    ]


def floor_env(env: dict[str, str], fixture: Fixture) -> dict[str, str]:
    """The floors' database, and the roll-call operation's session and members (write floor)."""
    return {
        **env,
        "BENCH_FLOOR_DATABASE": fixture.database_url,
        "BENCH_FLOOR_ROLL_SESSION": str(fixture.roll_session_id),
        "BENCH_FLOOR_ROLL_GROUP": str(fixture.roll_group_id),
        "BENCH_FLOOR_ROLL_USER": str(fixture.roll_user_id),
        "BENCH_FLOOR_ROLL_MEMBERS": ",".join(str(m) for m in fixture.roll_member_ids),
    }


def lingkar_operations(base_url: str, fixture: Fixture) -> list[Operation]:
    facilitator = login(base_url, fixture.facilitator_email, fixture.password)
    member = login(base_url, fixture.member_email, fixture.password)
    return [
        Operation(report.PURPOSES, "/api/v1/purposes"),
        Operation(report.WHO_AM_I, "/api/v1/me", headers=member),
        Operation(
            report.ONE_GROUP, f"/api/v1/groups/{fixture.report_group_id}", headers=facilitator
        ),
        Operation(report.MEMBER_ATTENDANCE, "/api/v1/me/attendance", headers=member),
        Operation(
            report.SESSIONS_OF_A_WEEK,
            f"/api/v1/sessions?group={fixture.report_group_id}"
            f"&from={fixture.week_from}&to={fixture.week_to}",
            headers=facilitator,
        ),
        Operation(
            report.ROLL_CALL,
            f"/api/v1/sessions/{fixture.roll_session_id}/attendance",
            method="PUT",
            headers={**facilitator, **JSON_HEADERS},
            bodies=roll_bodies(fixture),
        ),
        Operation(
            report.REPORT,
            f"/api/v1/groups/{fixture.report_group_id}/report"
            f"?from={fixture.report_from}&to={fixture.report_to}",
            headers=facilitator,
        ),
        Operation(
            report.LOGIN,
            "/api/v1/auth/login",
            method="POST",
            headers=JSON_HEADERS,
            bodies=[json.dumps({"email": fixture.member_email, "password": fixture.password})],
        ),
    ]


def probe(base_url: str, operation: Operation) -> None:
    """One request first: a failing operation is still measured, with its status noted."""
    body = operation.bodies[0] if operation.bodies else None
    response = httpx.request(
        operation.method,
        base_url + operation.path,
        headers=operation.headers,
        content=body,
        timeout=30,
    )
    if not 200 <= response.status_code < 300:
        operation.note = f"HTTP {response.status_code}"
        print(f"    {operation.name}: HTTP {response.status_code} {response.text[:200]}")


def profile(pids: list[int], seconds: float, out: Path) -> subprocess.Popen:
    """py-spy on the first worker while wrk runs; raw collapsed stacks for summarising."""
    command = [
        str(Path(sys.executable).parent / "py-spy"),
        "record",
        "--format",
        "raw",
        "-o",
        str(out),
        "--pid",
        str(pids[0]),
        "--duration",
        str(int(seconds)),
        "--nonblocking",
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# --------------------------------------------------------------------------- a scale


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def measure(
    base_url: str,
    operations: list[Operation],
    args: argparse.Namespace,
    server_pid: int,
    scale_key: str,
    canary_path: str | None = None,
) -> list[Result]:
    """Each operation with wrk; meanwhile ``canary_path`` every 10 ms on a connection of its
    own, and py-spy on the first worker for the operations named by ``--profile``."""
    results = []
    for operation in operations:
        if args.only and not operation.floor and operation.name not in args.only:
            continue
        probe(base_url, operation)
        recorders: list[subprocess.Popen] = []
        canaries: list[Canary] = []
        out = report.RESULTS_DIR / f"profile-{scale_key}-{_slug(operation.name)}.txt"

        def start_measuring(
            operation: Operation = operation,
            out: Path = out,
            recorders: list[subprocess.Popen] = recorders,
            canaries: list[Canary] = canaries,
        ) -> None:
            if operation.name in args.profile:
                report.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
                pids = worker_pids(server_pid) or [server_pid]
                recorders.append(profile(pids, args.duration, out))
            if canary_path is not None:
                canaries.append(Canary(base_url + canary_path))
                canaries[-1].start()

        try:
            result = run_wrk(
                base_url,
                operation,
                duration=args.duration,
                connections=args.connections,
                threads=args.threads,
                warmup=args.warmup,
                before_measure=start_measuring,
            )
        finally:
            stats = [canary.stop() for canary in canaries]
        if stats:
            result.canary = stats[0]
        for recorder in recorders:
            recorder.wait(timeout=60)
            print(f"    profile: {out.relative_to(REPO)}")
        canary = (
            f"  canary max {result.canary.max_ms:6.1f} ms "
            f"(p50 {result.canary.p50_ms:.1f}, {result.canary.requests:,} requests)"
            if result.canary
            else ""
        )
        print(
            f"  {operation.name:<26} {result.requests_per_s:>9,.0f} req/s  "
            f"p50 {result.p50_ms:6.1f} ms  p99 {result.p99_ms:7.1f} ms{canary}  "
            f"non-2xx {result.non_2xx + result.socket_errors:,}",
            flush=True,
        )
        results.append(result)
    return results


def run_scale(scale: Scale, args: argparse.Namespace) -> report.ScaleRun:
    workdir = Path(args.workdir) / scale.key
    workdir.mkdir(parents=True, exist_ok=True)
    fixture = prepare(scale, args, workdir)
    env = server_env(scale, fixture.database_url, workdir)
    results: list[Result] = []

    port = _free_port()
    print(f"Floors ({scale.workers} worker{'s' if scale.workers > 1 else ''}) ...", flush=True)
    url = f"http://127.0.0.1:{port}"
    with serving(
        granian_command("bench.floors:create_app", port, scale.workers),
        floor_env(env, fixture),
        url + "/bare",
    ) as server:
        results += measure(
            url, floor_operations(fixture), args, server.pid, scale.key, FLOOR_CANARY_PATH
        )
    # The write floor changed the roll's records without the figures Lingkar keeps.
    rebuild_figures(env, group=fixture.roll_group_id)

    port = _free_port()
    env["LINGKAR_PORT"] = str(port)
    url = f"http://127.0.0.1:{port}"
    print("Lingkar (lingkar serve) ...", flush=True)
    command = [sys.executable, "-m", "backend.cli", "serve", "--no-site"]
    with serving(command, env, url + CANARY_PATH) as server:
        results += measure(
            url, lingkar_operations(url, fixture), args, server.pid, scale.key, CANARY_PATH
        )
    return report.ScaleRun(
        scale.name,
        describe(scale),
        scale.workers,
        results,
        history=scale.history,
        groups=scale.groups,
        label=label(scale),
    )


def label(scale: Scale) -> str:
    """``programme``, ``programme, 2x history``; a smaller smoke-test data set says so."""
    text = scale.name
    if scale.groups != SCALES[scale.name].groups:
        text += f" ({scale.groups:,} groups only)"
    if scale.history > 1:
        text += f", {scale.history}x history"
    return text


def postgres_version(args: argparse.Namespace) -> str | None:
    try:
        return str(asyncio.run(_postgres(args.postgres_url, "SHOW server_version")))
    except (OSError, asyncpg.PostgresError):
        return None


def history(text: str) -> int:
    """``1x``, ``2x``: times the standard history."""
    found = re.fullmatch(r"([1-9][0-9]*)x", text.strip())
    if not found:
        raise argparse.ArgumentTypeError(f"{text!r}: give the history as 1x, 2x, ...")
    return int(found.group(1))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--scale", choices=("ngo", "programme", "both"), default="ngo")
    parser.add_argument(
        "--rows",
        nargs="+",
        type=history,
        default=[1],
        metavar="NX",
        help="history: 1x (default), 2x (twice the sessions and records), or both: 1x 2x",
    )
    # A smaller data set of the same shape, to try the harness (not for figures).
    parser.add_argument("--groups", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per operation")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workdir", default=str(REPO / "var" / "bench"))
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a database to connect to for CREATE/DROP DATABASE",
    )
    parser.add_argument("--postgres-database", default="lingkar_bench")
    parser.add_argument(
        "--reuse-data", action="store_true", help="reuse the data set of an earlier --keep-data"
    )
    parser.add_argument(
        "--keep-data", action="store_true", help="keep the PostgreSQL database afterwards"
    )
    parser.add_argument("--only", nargs="*", default=[], help="Lingkar operations to run")
    parser.add_argument(
        "--profile", nargs="*", default=[], help="operations to profile with py-spy"
    )
    parser.add_argument("--no-write", action="store_true", help="do not update the results")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ensure_wrk()
    names = ["ngo", "programme"] if args.scale == "both" else [args.scale]
    scales = [
        variant(SCALES[name], history=rows, groups=args.groups)
        for name in names
        for rows in dict.fromkeys(sorted(args.rows))
    ]
    runs: list[report.ScaleRun] = []
    for scale in scales:
        try:
            runs.append(run_scale(scale, args))
        finally:
            if scale.backend == "postgres" and not args.keep_data:
                drop_postgres(scale, args)
    settings = (
        f"wrk -t {args.threads} -c {args.connections} -d {args.duration:g}s --latency "
        f"after a {args.warmup:g} s warm-up; wrk and the server share the machine; "
        f"the canary: GET {CANARY_PATH} (on the floors {FLOOR_CANARY_PATH}) every 10 ms on one "
        "connection of its own while wrk measures"
    )
    text = report.markdown(runs, settings, postgres_version(args) if "programme" in names else None)
    print()
    print(text)
    if not args.no_write:
        path = report.write_results(text)
        report.update_readme(text)
        print(f"Written to {path.relative_to(REPO)} and bench/README.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
