"""Driving a server with Debian's ``wrk`` and reading its report.

Each operation becomes a small Lua script (method, headers, and bodies that rotate per
request); ``--latency`` gives the percentiles.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.canary import CanaryStats

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_DURATION = r"([\d.]+)(us|ms|s|m)"


@dataclass(slots=True)
class Operation:
    name: str
    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    bodies: list[str] = field(default_factory=list)  # rotated per request (per wrk thread)
    floor: bool = False  # one of the floors, not a Lingkar operation
    note: str = ""  # e.g. the status of a failing probe


@dataclass(slots=True)
class Result:
    operation: Operation
    requests: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    canary: CanaryStats | None = None  # the cheap request's latencies while this one ran

    @property
    def name(self) -> str:
        return self.operation.name


def ensure_wrk() -> str:
    """The path of ``wrk``; installs Debian's package when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: apt-get install -y wrk", flush=True)
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        subprocess.run(["apt-get", "update"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed (apt-get install wrk)")
    return found


def _lua_string(text: str) -> str:
    level = "="
    while f"]{level}]" in text:
        level += "="
    return f"[{level}[{text}]{level}]"


def lua_script(operation: Operation) -> str:
    lines = [f'wrk.method = "{operation.method}"']
    for name, value in operation.headers.items():
        lines.append(f"wrk.headers[ {_lua_string(name)} ] = {_lua_string(value)}")
    if len(operation.bodies) == 1:
        lines.append(f"wrk.body = {_lua_string(operation.bodies[0])}")
    elif operation.bodies:
        lines.append("local bodies = {")
        lines.extend(f"  {_lua_string(body)}," for body in operation.bodies)
        lines.append("}")
        lines.append("local counter = 0")
        lines.append("request = function()")
        lines.append("  counter = counter + 1")
        lines.append("  return wrk.format(nil, nil, nil, bodies[(counter % #bodies) + 1])")
        lines.append("end")
    return "\n".join(lines) + "\n"


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS_MS[unit]


def parse_wrk(operation: Operation, output: str) -> Result:
    """Requests/s, p50, p99, non-2xx (wrk counts 'non-2xx or 3xx') and socket errors."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    p50 = re.search(r"^\s+50%\s+" + _DURATION, output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+" + _DURATION, output, re.MULTILINE)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if not (rps and total and p50 and p99):
        raise RuntimeError(f"unexpected wrk output for {operation.name}:\n{output}")
    return Result(
        operation=operation,
        requests=int(total.group(1)),
        requests_per_s=float(rps.group(1)),
        p50_ms=_ms(*p50.groups()),
        p99_ms=_ms(*p99.groups()),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def run_wrk(
    base_url: str,
    operation: Operation,
    *,
    duration: float,
    connections: int,
    threads: int,
    warmup: float = 2.0,
    before_measure: Callable[[], object] | None = None,
) -> Result:
    """A warm-up run (discarded), then the measured run (``before_measure`` runs between)."""
    wrk = ensure_wrk()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(operation))
    try:

        def once(seconds: float, latency: bool) -> str:
            command = [
                wrk,
                "-t",
                str(threads),
                "-c",
                str(connections),
                "-d",
                f"{max(seconds, 1):g}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
            ]
            if latency:
                command.append("--latency")
            command.append(base_url + operation.path)
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=seconds + 60, check=False
            )
            if done.returncode != 0:
                raise RuntimeError(f"wrk failed for {operation.name}: {done.stderr}")
            return done.stdout

        if warmup > 0:
            once(warmup, latency=False)
        if before_measure is not None:
            before_measure()
        return parse_wrk(operation, once(duration, latency=True))
    finally:
        Path(script.name).unlink(missing_ok=True)
