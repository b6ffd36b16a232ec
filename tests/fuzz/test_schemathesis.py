"""Schemathesis against /schema/openapi.json as an admin, a facilitator and a member:
no server errors, responses that match the schema, and no note in anything a member gets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import LiveServer

EXAMPLES = int(os.environ.get("LINGKAR_FUZZ_EXAMPLES", "12"))


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
        "run",
        f"{live_server.url}/schema/openapi.json",
        "--header",
        f"Cookie: {cookie}",
        "--header",
        f"X-CSRFToken: {client.headers['x-csrftoken']}",
        "--checks",
        "not_a_server_error,response_schema_conformance,no_note_for_members",
        "--phases",
        "examples,fuzzing",
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
