"""The clip.mp4 and frame-at-a-time scenarios of issue 17, run side by side on the virtual MP4 with
in-process frames (`frigate-media`), the previous ffmpeg path (`limits.virtual_mp4: false`,
`limits.frames_in_process: false`), a server whose sample index starts empty
(`limits.clip_index_hours: 0`) and the do-nothing reference.

- a `Range` of 1 MiB inside a 1-h clip, each in a range not asked before: indexed, not indexed,
  and on the ffmpeg path (whose first Range of a range builds the whole faststart file);
- the bytes a server writes to storage while it serves the clip scenarios (`/proc/<pid>/io`) and
  what its cache dir gained;
- RSS while a slow client reads a 24-h clip;
- the targets of issue 17 on the `frigate-media` rows (`clip_targets`).
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from benchmarks.dataset import Dataset
from benchmarks.http import Connection, HttpError
from benchmarks.load import Measure, with_probe
from benchmarks.results import Result, from_measures
from benchmarks.scenarios import Settings
from benchmarks.servers import Server, footprint, tree_bytes, write_bytes
from benchmarks.stats import summarize

MIB = 1024 * 1024
FRIGATE_CLIP_MIB_S = 23.0  # Frigate's seed code, clip.mp4 of 1 h, its best run (issue 17)
FRIGATE_FRAMES_4 = 6.1  # Frigate's seed code, frame at a time with 4 clients (issue 17)
RSS_GROWTH_LIMIT_MIB = 50 / 1.048576  # 50 MB
INDEX_FILE = "sample-tables.sqlite3"
SLOW_READ_BYTES = 256 * 1024  # per read of the slow client
SLOW_READ_PAUSE = 0.25  # seconds between its reads: 1 MiB/s
SAMPLE_SECONDS = 0.5
VIRTUAL = "frigate-media"  # the server whose rows carry the targets
NOT_INDEXED = "frigate-media (not indexed)"  # and its Range row


def hour_starts(dataset: Dataset, count: int, skip: int = 0) -> list[float]:
    """Starts of `count` disjoint 1-h ranges inside the real day, newest first, half a second
    past a segment start (so every clip is cut and needs its edit list)."""
    hours = int((dataset.end_time - dataset.real_start) // 3600)
    picked = [skip + k for k in range(count) if skip + k < hours - 1]
    return [dataset.end_time - (k + 1) * 3600 + 0.5 for k in picked]


def clip_path(camera: str, start: float, seconds: float) -> str:
    return f"/api/{camera}/start/{start:.3f}/end/{start + seconds:.3f}/clip.mp4"


async def wait_for_index(
    server: Server, dataset: Dataset, hours: float = 24.0, timeout: float = 600.0
) -> str:
    """Wait until the server's sample index holds the real segments of its start-up window
    (`limits.clip_index_hours` back from now), read from its SQLite file."""
    since = max(dataset.real_start, time.time() - hours * 3600)
    wanted = int((dataset.end_time - since) // dataset.spec.segment_seconds)
    began = time.monotonic()
    count = 0
    while time.monotonic() - began < timeout:
        count = await asyncio.to_thread(_index_entries, server.cache)
        if count >= wanted:
            return f"sample index: {count} segments indexed {time.monotonic() - began:.1f} s after start-up"
        await asyncio.sleep(0.5)
    return f"sample index: only {count} of {wanted} segments after {timeout:.0f} s"


def _index_entries(cache: Path | None) -> int:
    if cache is None:
        return 0
    for path in cache.rglob(INDEX_FILE):
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            row = connection.execute("SELECT COUNT(*) FROM tables WHERE digest IS NOT NULL")
            return int(row.fetchone()[0])
        except sqlite3.Error:
            return 0
        finally:
            connection.close()
    return 0


async def range_1mib(
    server: Server,
    dataset: Dataset,
    scenario: str,
    starts: list[float],
    *,
    per_range: int = 3,
    seed: int = 17,
) -> Result:
    """1 MiB Ranges at random places inside 1-h clips, `per_range` per clip, each clip asked
    for the first time; the time to the last byte of each. The row's figures are the first Range
    of each clip (the clip's assembly, or ffmpeg's build, included); the later ones are a note."""
    camera = dataset.spec.real_camera
    rng = random.Random(seed)

    async def work() -> Measure:
        measure = Measure()
        later: list[float] = []
        connection = Connection(*server.address, timeout=600.0)
        try:
            for start in starts:
                for repeat in range(per_range):
                    first = rng.randrange(MIB, 200 * MIB)
                    headers = {"Range": f"bytes={first}-{first + MIB - 1}"}
                    try:
                        response = await connection.get(
                            clip_path(camera, start, 3600), keep_body=False, request_headers=headers
                        )
                    except HttpError as error:
                        measure.error(str(error).split(":", 1)[0])
                        continue
                    if response.status != 206 or response.size != MIB:
                        measure.error(f"HTTP {response.status}, {response.size} bytes")
                        continue
                    (later if repeat else measure.latencies).append(response.total)
        finally:
            await connection.close()
        measure.extra["later"] = later
        return measure

    measure = await with_probe(*server.address, work)
    result = from_measures(scenario, server.name, "ms p50", [measure])
    result.value = result.low = result.high = result.p50_ms
    later = measure.extra["later"]
    result.notes.append(
        f"p50/p99 of the first Range of each of {len(starts)} 1-h clips never asked before"
    )
    if later:
        summary = summarize(later)
        result.details.update(later_p50_ms=summary.p50 * 1000, later_max_ms=summary.max * 1000)
        result.notes.append(
            f"the {len(later)} later Ranges in the same clips: p50 {summary.p50 * 1000:.1f} ms, "
            f"max {summary.max * 1000:.1f} ms"
        )
    return result


async def disk_written(
    server: Server, scenario: str, action: Callable[[], Awaitable[list[Result]]]
) -> tuple[Result, list[Result]]:
    """Run `action` (the clip scenarios) and say what the server wrote to storage meanwhile."""
    pid = server.process.pid
    before, kept_before = write_bytes(pid), await asyncio.to_thread(tree_bytes, server.cache)
    results = await action()
    written, kept_after = write_bytes(pid), await asyncio.to_thread(tree_bytes, server.cache)
    result = Result(scenario=scenario, server=server.name, metric="MiB written", repeats=1)
    result.value = result.low = result.high = (written - before) / MIB
    grown = kept_after - kept_before
    result.details.update(write_bytes=written - before, cache_dir_growth=grown)
    result.notes.append(
        f"{written - before:,} bytes written by the server process and its live children "
        f"(/proc/<pid>/io write_bytes); its cache dir grew by {grown:,} bytes"
    )
    return result, results


async def slow_reader_rss(
    server: Server, settings: Settings, dataset: Dataset, scenario: str
) -> Result:
    """RSS of the server and its children while one client reads a 24-h clip at 1 MiB/s."""
    camera = dataset.spec.real_camera
    start = dataset.real_start + 1.0
    path = clip_path(camera, start, dataset.end_time - 1.0 - start)
    seconds = 15.0 if settings.quick else 60.0
    result = Result(scenario=scenario, server=server.name, metric="MiB RSS growth", repeats=1)
    pid = server.process.pid
    baseline = footprint(pid)["total_rss_mib"]
    samples: list[float] = []
    connection = Connection(*server.address, timeout=600.0)
    began = time.perf_counter()
    received = 0
    first_byte = None
    try:
        status, headers, body = await connection.stream(path)
        if status != 200:
            result.status = "failed"
            result.notes.append(f"HTTP {status}")
            return result
        deadline = time.monotonic() + seconds
        next_sample = 0.0
        async for chunk in body:
            if first_byte is None:
                first_byte = time.perf_counter() - began
            received += len(chunk)
            now = time.monotonic()
            if now >= next_sample:
                samples.append(footprint(pid)["total_rss_mib"])
                next_sample = now + SAMPLE_SECONDS
            if now >= deadline:
                break
            if received % SLOW_READ_BYTES < len(chunk):
                await asyncio.sleep(SLOW_READ_PAUSE)
        length = headers.get("content-length")
    except (HttpError, OSError, asyncio.IncompleteReadError) as error:
        result.status = "failed"
        result.notes.append(type(error).__name__)
        return result
    finally:
        await connection.close()
    peak = max(samples, default=baseline)
    result.value = result.low = result.high = peak - baseline
    result.details.update(baseline_mib=baseline, peak_mib=peak, samples=samples)
    size = f"{int(length) / 2**30:.1f} GiB clip" if length else "clip of unknown length"
    result.notes.append(
        f"24 h range ({size}), first byte {1000 * (first_byte or 0):.0f} ms; read "
        f"{received / MIB:.0f} MiB at ~1 MiB/s for {seconds:.0f} s; RSS {baseline:.0f} MiB before,"
        f" at most {peak:.0f} MiB during (server and its children)"
    )
    return result


def clip_targets(results: list[Result]) -> None:
    """Issue 17's targets on the `frigate-media` rows; each row's figure against its target."""
    for result in results:
        name = result.scenario
        ranged = name.startswith("clip.mp4 1 h, Range")
        if result.status != "ok" or not (
            result.server == VIRTUAL or (result.server == NOT_INDEXED and ranged)
        ):
            continue
        if name == "clip.mp4 1 h":
            floor = 5 * FRIGATE_CLIP_MIB_S
            result.target = f"first byte ≤ 50 ms, ≥ {floor:.0f} MiB/s (5× Frigate's 23)"
            result.met = result.p99_ms <= 50 and result.value >= floor
        elif ranged:
            limit = 300 if "not indexed" in name else 50
            result.target = f"≤ {limit} ms"
            result.met = result.p99_ms <= limit
        elif name.startswith("bytes written"):
            result.target = "0"
            result.met = result.value == 0
        elif name.startswith("RSS while a slow client"):
            result.target = "< +50 MB"
            result.met = result.value < RSS_GROWTH_LIMIT_MIB
        elif name.startswith("frame at a time") and name.endswith("4 concurrent"):
            floor = 5 * FRIGATE_FRAMES_4
            result.target = f"≥ {floor:.1f} req/s (5× Frigate's 6.1), probe p99 < 50 ms"
            result.met = result.value >= floor and result.probe_p99_ms < 50
        elif name.startswith("frame at a time") and name.endswith("1 concurrent"):
            result.target = "p50 ≤ 50 ms, probe p99 < 50 ms"
            result.met = result.p50_ms <= 50 and result.probe_p99_ms < 50


def versus_reference(results: list[Result], reference: list[Result]) -> None:
    """Throughput rows of the clip and frame scenarios as a share of the reference's."""
    rates = {"MiB/s", "req/s"}
    by_name = {r.scenario: r for r in reference if r.status == "ok" and r.metric in rates}
    for result in results:
        ref = by_name.get(result.scenario)
        if ref is None or result.status != "ok" or result.vs_reference is not None:
            continue
        if ref.value and result.metric == ref.metric:
            result.vs_reference = result.value / ref.value
