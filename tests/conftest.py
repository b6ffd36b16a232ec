"""Fixtures: a real SQLite file (and a real PostgreSQL when LINGKAR_TEST_POSTGRES_URL is set),
the application, and logged-in clients for each role."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar

os.environ.setdefault("PICCOLO_CONF", "backend.db.piccolo_conf")

from backend.accounts import service as accounts
from backend.accounts.schemas import CurrentUser
from backend.app import create_app
from backend.db.engine import build_engine, stop_engine
from backend.db.schema import migrate
from backend.db.tables import ALL_TABLES
from backend.settings import Settings

REPO = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get("LINGKAR_TEST_POSTGRES_URL", "").strip()
PASSWORD = "correct horse battery"
BACKEND_COUNTS: dict[str, int] = {}


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("LINGKAR_VAR_DIR", str(Path(config.rootpath) / "var" / "test"))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed:
        for backend in ("sqlite", "postgres"):
            if f"[{backend}" in report.nodeid or f"-{backend}]" in report.nodeid:
                BACKEND_COUNTS[backend] = BACKEND_COUNTS.get(backend, 0) + 1
        if "/e2e/" in report.nodeid:
            BACKEND_COUNTS["browser"] = BACKEND_COUNTS.get("browser", 0) + 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The suite's last check: no process of a server it started may still be running."""
    alive = {pgid: living for pgid in sorted(STARTED_GROUPS) if (living := group_alive(pgid))}
    for pids in alive.values():
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    if alive:
        LEFT_RUNNING.update(alive)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for pgid, pids in LEFT_RUNNING.items():
        terminalreporter.write_line(
            f"FAILED: server process group {pgid} was still running at the end of the suite "
            f"(processes {', '.join(map(str, pids))}); it has now been killed",
            red=True,
        )
    terminalreporter.write_line(
        "Lingkar suites passed: "
        f"SQLite {BACKEND_COUNTS.get('sqlite', 0)}, "
        f"PostgreSQL {BACKEND_COUNTS.get('postgres', 0)}"
        f"{'' if POSTGRES_URL else ' (LINGKAR_TEST_POSTGRES_URL not set)'}, "
        f"browser {BACKEND_COUNTS.get('browser', 0)}"
    )


def run_in_thread(work: Callable[[], Awaitable[None]]) -> None:
    """Run a coroutine to completion on a loop of its own, whatever loop this thread has."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(work())
        except BaseException as exc:  # re-raised in the caller
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file built once from the migrations; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"

    async def build() -> None:
        engine = build_engine(str(path))
        try:
            await migrate(engine)
        finally:
            await stop_engine(engine)

    run_in_thread(build)
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    """The PostgreSQL test database, emptied and migrated once for the session."""

    async def build() -> None:
        engine = build_engine(POSTGRES_URL)
        await engine.run_ddl("DROP SCHEMA public CASCADE")
        await engine.run_ddl("CREATE SCHEMA public")
        await migrate(engine)

    run_in_thread(build)
    return POSTGRES_URL


def _backends() -> list[Any]:
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param(
            "postgres",
            id="postgres",
            marks=pytest.mark.skipif(
                not POSTGRES_URL, reason="LINGKAR_TEST_POSTGRES_URL is not set"
            ),
        ),
    ]


@pytest.fixture(params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "lingkar.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return str(path)
    url = request.getfixturevalue("postgres_migrated")

    async def truncate() -> None:
        engine = build_engine(url)
        names = ", ".join(f'"{t._meta.tablename}"' for t in ALL_TABLES)
        await engine.run_ddl(f"TRUNCATE {names} RESTART IDENTITY CASCADE")

    run_in_thread(truncate)
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=secrets.token_urlsafe(32),
        var_dir=tmp_path,
        site_dir=tmp_path / "no-site",
        login_attempts_per_minute=10_000,
        demo_data=False,
    )


@pytest.fixture
def backend_name(database_url: str) -> str:
    return "postgres" if database_url.startswith("postgres") else "sqlite"


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Litestar]:
    """The application with its start-up run in the test's own event loop."""
    application = create_app(settings)
    for hook in application.on_startup:
        await hook(application)
    yield application
    for hook in application.on_shutdown:
        await hook(application)


def http_client(app: Litestar) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 50000)),
        base_url="http://testserver.local",
    )


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(app) as test_client:
        yield test_client


@dataclass
class Actor:
    """A logged-in person: their account and a client carrying their session and CSRF token."""

    user: CurrentUser
    client: httpx.AsyncClient
    password: str = PASSWORD

    @property
    def id(self) -> int:
        return self.user.id


async def login_client(app: Litestar, email: str, password: str) -> httpx.AsyncClient:
    test_client = http_client(app)
    response = await test_client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}
    )
    assert response.status_code == 200, response.text
    await test_client.get("/api/v1/me")  # picks up the CSRF cookie
    test_client.headers["x-csrftoken"] = test_client.cookies.get("csrftoken", "")
    return test_client


@pytest.fixture
async def make_actor(app: Litestar) -> AsyncIterator[Callable[..., Awaitable[Actor]]]:
    opened: list[httpx.AsyncClient] = []
    counter = iter(range(1, 10_000))

    async def make(
        role: str = "facilitator", *, member_id: int | None = None, name: str | None = None
    ) -> Actor:
        number = next(counter)
        email = f"{role}{number}@test.example"
        created = await accounts.create_user(
            email=email,
            display_name=name or f"{role.title()} {number}",
            role=role,
            password=PASSWORD,
            member_id=member_id,
        )
        test_client = await login_client(app, email, PASSWORD)
        opened.append(test_client)
        user = CurrentUser(
            id=created.id,
            email=created.email,
            display_name=created.display_name,
            role=created.role,
            member_id=created.member_id,
        )
        return Actor(user=user, client=test_client)

    yield make
    for test_client in opened:
        await test_client.aclose()


@pytest.fixture
async def admin(make_actor: Callable[..., Awaitable[Actor]]) -> Actor:
    return await make_actor("admin")


@pytest.fixture
async def facilitator(make_actor: Callable[..., Awaitable[Actor]]) -> Actor:
    return await make_actor("facilitator")


GROUP_BODY = {
    "name": "Tuesday circle",
    "kind": "support",
    "purposes": ["mutual-aid", "reduce-isolation"],
    "capacity": 10,
    "timezone": "Asia/Jakarta",
}


@pytest.fixture
def new_group(facilitator: Actor) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def create(actor: Actor | None = None, **overrides: Any) -> dict[str, Any]:
        response = await (actor or facilitator).client.post(
            "/api/v1/groups", json={**GROUP_BODY, **overrides}
        )
        assert response.status_code == 201, response.text
        return response.json()

    return create


@pytest.fixture
def new_member(facilitator: Actor) -> Callable[..., Awaitable[dict[str, Any]]]:
    counter = iter(range(1, 10_000))

    async def create(name: str | None = None, **extra: Any) -> dict[str, Any]:
        body = {"display_name": name or f"Member {next(counter)}", **extra}
        response = await facilitator.client.post("/api/v1/members", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    return create


@pytest.fixture
def enrol(facilitator: Actor) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def do(
        group_id: int, member_id: int, actor: Actor | None = None, **extra: Any
    ) -> dict[str, Any]:
        response = await (actor or facilitator).client.post(
            f"/api/v1/groups/{group_id}/members",
            json={"member_id": member_id, "consent_given": True, **extra},
        )
        assert response.status_code == 201, response.text
        return response.json()

    return do


@pytest.fixture
async def member_actor(
    make_actor: Callable[..., Awaitable[Actor]],
    new_member: Callable[..., Awaitable[dict[str, Any]]],
) -> Callable[..., Awaitable[tuple[Actor, dict[str, Any]]]]:
    """A member record with its own login: returns (actor, member)."""

    async def make(name: str | None = None) -> tuple[Actor, dict[str, Any]]:
        member = await new_member(name)
        actor = await make_actor("member", member_id=member["id"], name=member["display_name"])
        return actor, member

    return make


def mkdocs_build(dest: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``mkdocs build --strict`` of the real site into ``dest``."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-f",
            str(REPO / "mkdocs.yml"),
            "-d",
            str(dest),
        ],
        cwd=REPO,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built once per test session, shared by the site tests and the browser tests."""
    dest = tmp_path_factory.mktemp("site")
    result = mkdocs_build(dest, env={"LINGKAR_GUIDES_DIR": ""})
    assert result.returncode == 0, result.stdout + result.stderr
    return dest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    process: subprocess.Popen
    counter: int = 0
    clients: list[httpx.Client] = field(default_factory=list)

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "backend.cli", *args],
            input=stdin,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )

    def account(self, role: str = "facilitator") -> tuple[str, str]:
        """A new admin or facilitator account: (email, password)."""
        self.counter += 1
        email = f"{role}{self.counter}-{secrets.token_hex(3)}@e2e.example"
        self.cli(
            "create-user",
            "--email",
            email,
            "--name",
            f"{role.title()} {self.counter}",
            "--role",
            role,
            stdin=PASSWORD + "\n",
        )
        return email, PASSWORD

    def api(self, email: str, password: str = PASSWORD) -> httpx.Client:
        """An HTTP client logged in as ``email``, sending the CSRF header on writes."""
        client = httpx.Client(base_url=self.url, timeout=30)
        response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
        response.raise_for_status()
        client.get("/api/v1/me")
        client.headers["x-csrftoken"] = client.cookies.get("csrftoken", "")
        self.clients.append(client)
        return client


def server_env(var_dir: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a Lingkar server process on a free port."""
    return {
        **os.environ,
        "LINGKAR_VAR_DIR": str(var_dir),
        "LINGKAR_DATABASE_URL": database_url or str(var_dir / "lingkar.sqlite3"),
        "LINGKAR_PORT": str(_free_port()),
        "LINGKAR_DEMO_DATA": "0",
        "LINGKAR_LOGIN_ATTEMPTS_PER_MINUTE": "100000",
        "LINGKAR_SECRET_KEY": "test-secret-key-for-server-processes",
        "PICCOLO_CONF": "backend.db.piccolo_conf",
        **extra,
    }


# Process groups of the servers this run started: each server runs in a session of its own, so
# stopping it (or killing it, as a crash would) reaches granian's workers too.
# A group leaves the set once it is proven stopped. Every process started carries this run's mark
# in its environment, so a group id reused by an unrelated process is never mistaken for ours.
STARTED_GROUPS: set[int] = set()
LEFT_RUNNING: dict[int, list[int]] = {}
RUN_MARK = f"LINGKAR_TEST_RUN={secrets.token_hex(8)}"


def spawn_in_own_group(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    """Start ``command`` as the leader of a new session and process group, and track it."""
    name, _, value = RUN_MARK.partition("=")
    process = subprocess.Popen(
        command,
        env={**env, name: value},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    STARTED_GROUPS.add(process.pid)  # a session leader's group id is its pid
    return process


def group_alive(pgid: int) -> list[int]:
    """The processes of this run in group ``pgid`` that still run (zombies waiting to be
    reaped do not)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return []
        return [pgid]
    alive = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # it ended while we looked
        # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses.
        state, _ppid, pgrp = stat[stat.rindex(")") + 2 :].split()[:3]
        if int(pgrp) != pgid or state in ("Z", "X"):
            continue
        try:
            ours = RUN_MARK.encode() in (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if ours:
            alive.append(int(entry.name))
    return alive


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def stop_server(process: subprocess.Popen, sig: signal.Signals = signal.SIGTERM) -> None:
    """Stop every process of the server's group and return once none of them is alive.

    ``SIGKILL`` is what a machine crash does to the server: no process of it gets to clean up.
    A group that ignores ``SIGTERM`` for 10 seconds is killed.
    """
    pgid = process.pid
    if pgid not in STARTED_GROUPS:
        return  # already proven stopped: its group id may belong to someone else by now
    _signal_group(pgid, sig)
    deadline = time.monotonic() + 10
    while True:
        process.poll()  # reaps the leader once it has ended
        if not group_alive(pgid):
            break
        if time.monotonic() > deadline:
            if sig == signal.SIGKILL:
                raise RuntimeError(f"server process group {pgid} survived SIGKILL")
            sig = signal.SIGKILL
            _signal_group(pgid, sig)
            deadline = time.monotonic() + 10
        time.sleep(0.02)
    process.wait(timeout=10)
    STARTED_GROUPS.discard(pgid)
    if process.stdout is not None:
        process.stdout.close()


def kill_server(process: subprocess.Popen) -> None:
    """Kill the whole server at once, as a crash of the machine would."""
    stop_server(process, signal.SIGKILL)


def start_server(env: dict[str, str]) -> subprocess.Popen:
    """``lingkar migrate`` then granian serving the app (``LINGKAR_WORKERS`` worker processes,
    default 1) in a process group of its own; returns once it answers."""
    subprocess.run(
        [sys.executable, "-m", "backend.cli", "migrate"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    process = spawn_in_own_group(
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            env["LINGKAR_PORT"],
            "--workers",
            env.get("LINGKAR_WORKERS", "1"),
            "--no-ws",
            "--log-level",
            "warning",
            "backend.app:create_app",
        ],
        env,
    )
    url = f"http://127.0.0.1:{env['LINGKAR_PORT']}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(url + "/api/v1/purposes", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    _signal_group(process.pid, signal.SIGKILL)
    output = process.stdout.read().decode() if process.stdout is not None else ""
    stop_server(process, signal.SIGKILL)
    raise RuntimeError("the server did not start: " + output)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, built_site: Path) -> Iterator[LiveServer]:
    env = server_env(tmp_path_factory.mktemp("e2e-var"), LINGKAR_SITE_DIR=str(built_site))
    process = start_server(env)
    server = LiveServer(url=f"http://127.0.0.1:{env['LINGKAR_PORT']}", env=env, process=process)
    yield server
    for client in server.clients:
        client.close()
    stop_server(process)
