"""The canary's statistics and schedule, and one short run against a server that stalls."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.canary import Canary, next_start, percentile, summarise


def test_summary_of_latencies() -> None:
    stats = summarise([3.0, 1.0, 2.0, 250.0] + [1.5] * 96, failures=2)
    assert stats.requests == 100
    assert stats.failures == 2
    assert stats.max_ms == 250.0
    assert stats.p50_ms == 1.5
    assert stats.p99_ms == 3.0


def test_summary_of_nothing() -> None:
    stats = summarise([])
    assert (stats.requests, stats.max_ms, stats.p50_ms, stats.p99_ms) == (0, 0.0, 0.0, 0.0)


def test_nearest_rank_percentile() -> None:
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 0.5) == 5.0
    assert percentile(values, 0.99) == 10.0
    assert percentile(values, 0.0) == 1.0


def test_requests_start_every_interval_or_at_once_when_late() -> None:
    assert next_start(100.0, now=100.003, interval=0.010) == pytest.approx(100.010)
    # A request that took 50 ms is followed at once, and the schedule starts again from there.
    assert next_start(100.0, now=100.050, interval=0.010) == 100.050


class _Stalling(BaseHTTPRequestHandler):
    calls = 0

    def do_GET(self) -> None:
        type(self).calls += 1
        if type(self).calls == 5:
            time.sleep(0.12)  # one long stall, as a report computed on the event loop would
        body = b"[]"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def stalling_server() -> Iterator[str]:
    _Stalling.protocol_version = "HTTP/1.1"  # keep-alive: the canary keeps one connection
    _Stalling.calls = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stalling)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v1/purposes"
    finally:
        server.shutdown()
        server.server_close()


def test_the_canary_sees_the_longest_stall(stalling_server: str) -> None:
    with Canary(stalling_server) as canary:
        time.sleep(0.4)
    assert canary.stats is not None
    assert canary.stats.failures == 0
    assert canary.stats.max_ms >= 120
    # About one request per 10 ms, less the stall (a loaded machine sends fewer).
    assert 5 <= canary.stats.requests <= 40
