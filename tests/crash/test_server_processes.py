"""The suite's own servers: each runs in a process group of its own, stopping it stops every
process of the group, and a run that leaves one running fails."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, group_alive, kill_server, server_env, start_server, stop_server

# A parent that starts a child of its own and both wait: like granian and its worker.
PARENT_AND_CHILD = (
    "import subprocess, sys, time; "
    "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']); "
    "time.sleep(120)"
)

INNER_TEST = f"""
import os, sys, time
from tests.conftest import group_alive, spawn_in_own_group, stop_server

def test_starts_a_process_group():
    process = spawn_in_own_group([sys.executable, "-c", {PARENT_AND_CHILD!r}], dict(os.environ))
    deadline = time.monotonic() + 10
    while len(group_alive(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(group_alive(process.pid)) == 2
    print("GROUP", process.pid)
    if os.environ.get("STOP_IT") == "1":
        stop_server(process)
"""


def run_inner_suite(tmp_path: Path, stop_it: bool) -> subprocess.CompletedProcess:
    test_file = tmp_path / "test_inner.py"
    test_file.write_text(INNER_TEST)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.conftest",
            "-s",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            str(test_file),
        ],
        cwd=REPO,
        env={**os.environ, "STOP_IT": "1" if stop_it else "0", "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def living_in_group(pgid: int) -> list[int]:
    """Every process of group ``pgid`` that is not a zombie, whoever started it."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        state, _ppid, pgrp = text[text.rindex(")") + 2 :].split()[:3]
        if int(pgrp) == pgid and state not in ("Z", "X"):
            found.append(int(stat.parent.name))
    return found


def group_is_gone(pgid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while living_in_group(pgid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_run_that_leaves_a_process_running_fails_and_kills_it(tmp_path: Path) -> None:
    result = run_inner_suite(tmp_path, stop_it=False)
    output = result.stdout + result.stderr
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, output
    assert "1 passed" in output  # the test itself passed: the final check failed the run
    pgid = int(re.search(r"GROUP (\d+)", output).group(1))
    assert f"server process group {pgid} was still running" in output
    assert group_is_gone(pgid), f"process group {pgid} is still there"


def test_a_run_that_stops_its_processes_passes(tmp_path: Path) -> None:
    result = run_inner_suite(tmp_path, stop_it=True)
    output = result.stdout + result.stderr
    assert result.returncode == pytest.ExitCode.OK, output
    assert "still running" not in output
    pgid = int(re.search(r"GROUP (\d+)", output).group(1))
    assert living_in_group(pgid) == []  # stop_server returned only once all had ended


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["stop", "kill"])
def test_stopping_a_server_ends_every_process_of_it(tmp_path: Path, sig: signal.Signals) -> None:
    env = server_env(tmp_path, LINGKAR_WORKERS="2")
    process = start_server(env)
    url = f"http://127.0.0.1:{env['LINGKAR_PORT']}/api/v1/purposes"
    members = group_alive(process.pid)
    assert process.pid in members and len(members) >= 3  # granian and its two workers
    (kill_server if sig == signal.SIGKILL else stop_server)(process)
    assert group_alive(process.pid) == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=2)
