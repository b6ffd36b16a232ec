"""Browser tests: Lingkar served by granian on a free port and a real SQLite file, driven by
Debian's headless Chromium through Playwright. They skip, saying why, where Chromium is missing."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "correct horse battery"


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


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, built_site: Path
) -> Iterator[LiveServer]:
    var_dir = tmp_path_factory.mktemp("e2e-var")
    port = _free_port()
    env = {
        **os.environ,
        "LINGKAR_VAR_DIR": str(var_dir),
        "LINGKAR_DATABASE_URL": str(var_dir / "e2e.sqlite3"),
        "LINGKAR_PORT": str(port),
        "LINGKAR_DEMO_DATA": "0",
        "LINGKAR_LOGIN_ATTEMPTS_PER_MINUTE": "1000",
        "PICCOLO_CONF": "backend.db.piccolo_conf",
    }
    env["LINGKAR_SITE_DIR"] = str(built_site)
    subprocess.run(
        [sys.executable, "-m", "backend.cli", "migrate"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    process = subprocess.Popen(
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
            str(port),
            "--no-ws",
            "--log-level",
            "warning",
            "backend.app:create_app",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/api/v1/purposes", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("the server did not start: " + process.stdout.read().decode())
    server = LiveServer(url=url, env=env, process=process)
    yield server
    for client in server.clients:
        client.close()
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        )
    playwright_sync = pytest.importorskip("playwright.sync_api")
    with playwright_sync.sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def phone_page(browser: object) -> Iterator[object]:
    """A fresh browser context the size of a phone (390 x 844)."""
    context = browser.new_context(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page: object, server: LiveServer, email: str, password: str = PASSWORD) -> None:
    page.goto(server.url + "/login")  # type: ignore[attr-defined]
    page.fill("#email", email)  # type: ignore[attr-defined]
    page.fill("#password", password)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
