"""Schemathesis against /schema/openapi.json as an admin, a facilitator and a member, with every
one of its checks (server errors; status code, content type, header and schema conformance;
valid data accepted and invalid data refused; allowed methods; ...) plus Lingkar's own: no note
in anything a member gets. tests/fuzz/schemathesis.toml says which answer one check is told
about."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import LiveServer

EXAMPLES = int(os.environ.get("LINGKAR_FUZZ_EXAMPLES", "12"))
CONFIG = Path(__file__).with_name("schemathesis.toml")


def _member_login(server: LiveServer, admin_email: str) -> str:
    admin = server.api(admin_email)
    email = f"fuzz-member-{server.counter}@e2e.example"
    server.counter += 1
    response = admin.post(
        "/api/v1/members",
        json={"display_name": "Fuzz Member", "email": email, "password": "correct horse battery"},
    )
    response.raise_for_status()
    return email


@pytest.mark.slow
@pytest.mark.parametrize("role", ["admin", "facilitator", "member"])
def test_fuzzing_finds_no_server_error_and_no_schema_violation(
    live_server: LiveServer, role: str, tmp_path: Path
) -> None:
    if role == "member":
        admin_email, _ = live_server.account("admin")
        email = _member_login(live_server, admin_email)
    else:
        email, _ = live_server.account(role)
    client = live_server.api(email)
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks",
        "LINGKAR_FUZZ_ROLE": role,
    }
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "run",
        f"{live_server.url}/schema/openapi.json",
        "--header",
        f"Cookie: {cookie}",
        "--header",
        f"X-CSRFToken: {client.headers['x-csrftoken']}",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        "20261123",
        "--exclude-path",
        "/api/v1/auth/logout",
        "--exclude-path",
        "/api/v1/auth/login",
        "--request-timeout",
        "20",
        "--workers",
        "1",
        "--no-color",
    ]
    result = subprocess.run(
        command,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        cwd=Path(__file__).resolve().parents[2],
    )
    output = result.stdout + result.stderr
    (tmp_path / f"schemathesis-{role}.txt").write_text(output)
    assert result.returncode == 0, output[-6000:]
    tested = re.search(r"Tested:\s+(\d+)", output)
    assert tested and int(tested.group(1)) >= 20, output[-3000:]
