"""Load generators: wrk for request throughput, asyncio viewers/requests, and the /api/version probe.

Every generator runs while `Probe` asks `GET /api/version` every 50 ms on its own connection: its
p99 and max show whether the server's event loop stays responsive under the load.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.http import Connection, HttpError, Response
from benchmarks.stats import summarize

PROBE_INTERVAL = 0.05
PROBE_PATH = "/api/version"
BOUNDARY = b"--frame"


@dataclass
class Measure:
    """What one run of a generator saw: rate, latencies (seconds), errors and the probe."""

    rate: float = 0.0  # requests/s, or frames/s per viewer
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    probe: list[float] = field(default_factory=list)
    probe_errors: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


class Probe:
    """Ask the health route every 50 ms in the background; collect latencies."""

    def __init__(self, host: str, port: int) -> None:
        self.connection = Connection(host, port, timeout=10.0)
        self.latencies: list[float] = []
        self.errors = 0
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def _run(self) -> None:
        while not self._stopping:
            began = time.perf_counter()
            try:
                response = await self.connection.get(PROBE_PATH)
                if response.status == 200:
                    self.latencies.append(response.total)
                else:
                    self.errors += 1
            except HttpError:
                self.errors += 1
            await asyncio.sleep(max(0.0, PROBE_INTERVAL - (time.perf_counter() - began)))

    async def __aenter__(self) -> Probe:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        self._stopping = True  # ends the loop even if a cancellation were lost
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self.connection.close()


# ---------------------------------------------------------------------------------------- wrk


def ensure_wrk() -> tuple[str | None, str]:
    """The wrk binary, installing Debian's package when root with apt; else (None, reason)."""
    found = shutil.which("wrk")
    if found:
        return found, "wrk found"
    apt_get = shutil.which("apt-get")
    if apt_get is None or os.geteuid() != 0:
        return None, "wrk unavailable (not root or no apt-get): Python client used"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")

    def apt(*args: str) -> bool:
        done = subprocess.run([apt_get, *args], env=env, capture_output=True, timeout=600)
        return done.returncode == 0

    # The package lists may be missing or stale on a fresh machine: update once, then retry.
    if not apt("install", "-y", "-q", "wrk"):
        apt("update", "-q")
        apt("install", "-y", "-q", "wrk")
    found = shutil.which("wrk")
    if found:
        return found, "wrk installed with apt-get"
    return None, "wrk unavailable (apt-get install wrk failed): Python client used"


_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def _seconds(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/s, p50/p99 latency (seconds), request count and error counts from `wrk --latency`."""
    result: dict[str, Any] = {"errors": 0, "non_2xx": 0, "socket_errors": 0}
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    result["rate"] = float(rate.group(1)) if rate else 0.0
    for label, key in (("50%", "p50"), ("99%", "p99")):
        match = re.search(rf"^\s+{re.escape(label)}\s+(\S+)", output, re.MULTILINE)
        result[key] = _seconds(match.group(1)) if match else float("nan")
    latency_max = re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", output, re.MULTILINE)
    result["max"] = _seconds(latency_max.group(1)) if latency_max else float("nan")
    total = re.search(r"(\d+) requests in", output)
    result["requests"] = int(total.group(1)) if total else 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        result["non_2xx"] = int(non_2xx.group(1))
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if sockets:
        result["socket_errors"] = sum(int(value) for value in sockets.groups())
    result["errors"] = result["non_2xx"] + result["socket_errors"]
    return result


async def run_wrk(
    wrk: str, url: str, connections: int, seconds: float, probe: tuple[str, int]
) -> Measure:
    """`wrk --latency` with `connections` connections for `seconds`, probing meanwhile."""
    threads = max(1, min(2, connections))
    args = [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    args += ["--timeout", "10s", url]
    async with Probe(*probe) as prober:
        process = await asyncio.create_subprocess_exec(
            *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        output, _ = await process.communicate()
    text = output.decode(errors="replace")
    parsed = parse_wrk(text)
    measure = Measure(rate=parsed["rate"], probe=prober.latencies, probe_errors=prober.errors)
    measure.extra.update(
        p50=parsed["p50"], p99=parsed["p99"], max=parsed["max"], requests=parsed["requests"]
    )
    if parsed["non_2xx"]:
        measure.error_kinds["non-2xx"] = parsed["non_2xx"]
    if parsed["socket_errors"]:
        measure.error_kinds["socket"] = parsed["socket_errors"]
    measure.errors = parsed["errors"]
    if process.returncode != 0 or not parsed["requests"]:
        measure.extra["wrk_output"] = text[-500:]
    return measure


# ------------------------------------------------------------------------- Python generators


async def closed_loop(
    host: str,
    port: int,
    paths: Callable[[int], str],
    connections: int,
    seconds: float,
    *,
    check: Callable[[Response], str | None] | None = None,
    max_requests: int | None = None,
) -> Measure:
    """`connections` clients each sending the next request as soon as the last one finished.

    `paths(n)` gives the n-th request's path; `check` names what is wrong with a response (None
    when it is fine). Stops after `seconds` or `max_requests`, whichever comes first.
    """
    measure = Measure()
    counter = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal counter
        connection = Connection(host, port, timeout=max(60.0, seconds))
        try:
            while time.perf_counter() < deadline:
                if max_requests is not None and counter >= max_requests:
                    return
                number = counter
                counter += 1
                try:
                    response = await connection.get(paths(number), keep_body=check is not None)
                except HttpError as error:
                    measure.error(str(error).split(":", 1)[0])
                    continue
                problem = f"HTTP {response.status}" if response.status != 200 else None
                if problem is None and check is not None:
                    problem = check(response)
                if problem:
                    measure.error(problem)
                else:
                    measure.latencies.append(response.total)
                    measure.extra.setdefault("first_bytes", []).append(response.first_byte)
                    measure.extra.setdefault("sizes", []).append(response.size)
        finally:
            await connection.close()

    async with Probe(host, port) as prober:
        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(connections)))
        elapsed = time.perf_counter() - began
    measure.rate = len(measure.latencies) / elapsed if elapsed > 0 else 0.0
    measure.extra["elapsed"] = elapsed
    measure.probe, measure.probe_errors = prober.latencies, prober.errors
    return measure


async def mjpeg_viewers(
    host: str, port: int, paths: list[str], viewers: int, warmup: float, seconds: float
) -> Measure:
    """`viewers` MJPEG clients (round-robin over `paths`); frames/s per viewer after `warmup`.

    `rate` is the median frames/s per viewer; `latencies` are the gaps between frames. A viewer's
    rate counts the frames after its first one in the window over the time from that first one
    to the window's end: no fence-post frame, and a stall at the end still lowers it.
    """
    measure = Measure()
    counts = [0] * viewers
    firsts: list[tuple[float, int] | None] = [None] * viewers  # (arrival, frames in that chunk)
    gaps: list[float] = []
    began = time.perf_counter()
    start_counting = began + warmup
    stop_at = start_counting + seconds

    async def viewer(number: int) -> None:
        connection = Connection(host, port, timeout=warmup + seconds + 30)
        last: float | None = None
        tail = b""
        try:
            status, _, body = await connection.stream(paths[number % len(paths)])
            if status != 200:
                measure.error(f"HTTP {status}")
                return
            async for chunk in body:
                now = time.perf_counter()
                data = tail + chunk
                frames = data.count(BOUNDARY)
                tail = data[-(len(BOUNDARY) - 1) :]
                if now >= stop_at:
                    return
                if frames and now >= start_counting:
                    counts[number] += frames
                    if firsts[number] is None:
                        firsts[number] = (now, frames)
                    if last is not None:
                        gaps.append(now - last)
                if frames:
                    last = now
            measure.error("stream ended")
        except (HttpError, OSError, asyncio.IncompleteReadError, ValueError) as error:
            measure.error(type(error).__name__)
        finally:
            await connection.close()

    async with Probe(host, port) as prober:
        tasks = [asyncio.create_task(viewer(n)) for n in range(viewers)]
        _, pending = await asyncio.wait(tasks, timeout=warmup + seconds + 60)
        for task in pending:
            measure.error("viewer hung")
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=10)
    rates = []
    for count, first in zip(counts, firsts, strict=True):
        if first is None or stop_at - first[0] <= 0:
            rates.append(count / seconds)
        else:
            rates.append((count - first[1]) / (stop_at - first[0]))
    summary = summarize(rates)
    measure.rate = summary.p50
    measure.latencies = gaps
    measure.extra.update(min_fps=summary.min, mean_fps=summary.mean, rates=rates)
    measure.probe, measure.probe_errors = prober.latencies, prober.errors
    return measure


async def with_probe(host: str, port: int, work: Callable[[], Awaitable[Measure]]) -> Measure:
    """Run `work` while probing; attach the probe figures to its result."""
    async with Probe(host, port) as prober:
        measure = await work()
    measure.probe, measure.probe_errors = prober.latencies, prober.errors
    return measure
