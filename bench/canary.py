"""The canary: a cheap request every 10 ms while wrk loads the server, its latency recorded.

A request that waits behind a long piece of work on the event loop (a report computed in
Python, a blocking call) is late by that long: the canary's longest latency is the longest
stall a user of a cheap page saw while the operation ran. One persistent HTTP connection
(httpx) in a thread of the benchmark's own process; each request starts 10 ms after the
previous one started, or at once when that one took longer.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

import httpx

INTERVAL = 0.010


@dataclass(frozen=True, slots=True)
class CanaryStats:
    requests: int
    failures: int  # errors and responses outside 2xx (their latency is counted too)
    max_ms: float
    p50_ms: float
    p99_ms: float


def percentile(sorted_values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of values sorted ascending (0 when there are none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarise(latencies_ms: Sequence[float], failures: int = 0) -> CanaryStats:
    ordered = sorted(latencies_ms)
    return CanaryStats(
        requests=len(ordered),
        failures=failures,
        max_ms=ordered[-1] if ordered else 0.0,
        p50_ms=percentile(ordered, 0.50),
        p99_ms=percentile(ordered, 0.99),
    )


def next_start(previous_start: float, now: float, interval: float = INTERVAL) -> float:
    """When the next request starts: one interval after the previous one started, or now when
    that moment has passed (a late request is followed at once, not skipped)."""
    return max(previous_start + interval, now)


class Canary:
    """``with Canary(url) as canary: ...`` then ``canary.stats``."""

    def __init__(self, url: str, interval: float = INTERVAL, timeout: float = 30.0) -> None:
        self.url = url
        self.interval = interval
        self.timeout = timeout
        self.latencies_ms: list[float] = []
        self.failures = 0
        self.stats: CanaryStats | None = None
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="canary", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(timeout=self.timeout)
        if self._error is not None:
            raise RuntimeError(f"the canary could not reach {self.url}") from self._error

    def stop(self) -> CanaryStats:
        self._stop.set()
        self._thread.join(timeout=self.timeout + 5)
        self.stats = summarise(self.latencies_ms, self.failures)
        return self.stats

    def __enter__(self) -> Canary:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        try:
            with httpx.Client(timeout=self.timeout, limits=limits) as client:
                try:
                    client.get(self.url)  # the connection is opened outside the measurement
                except httpx.HTTPError as error:
                    self._error = error
                    return
                finally:
                    self._ready.set()
                clock = time.perf_counter
                start = clock()
                while not self._stop.is_set():
                    began = clock()
                    try:
                        ok = client.get(self.url).is_success
                    except httpx.HTTPError:
                        ok = False
                    self.latencies_ms.append((clock() - began) * 1000)
                    if not ok:
                        self.failures += 1
                    start = next_start(start, clock(), self.interval)
                    self._stop.wait(max(0.0, start - clock()))
        finally:
            self._ready.set()
