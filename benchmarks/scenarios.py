"""The scenarios of issue 9: what each one asks, how it is measured, and its target.

Each scenario first checks that its route exists (404/405 → "not available", so the run goes on
while other branches are still building the routes), then measures with the load generators.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.dataset import Dataset
from benchmarks.http import Connection, HttpError, Response
from benchmarks.load import Measure, closed_loop, mjpeg_viewers, run_wrk, with_probe
from benchmarks.results import NOT_AVAILABLE, Result, from_measures
from benchmarks.servers import Server
from benchmarks.stats import summarize

FRIGATE_LATEST_RPS = 64.0  # Frigate's own code, measured on this machine (issue 9)
READY_WAIT = 30.0
# Ranges start this far into the real window: the row just before it (no file) overlaps its start.
INSIDE = 1.0  # a live route may answer 503 until its camera's first frame
MIB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """How long and how often: the full run, or BENCH_QUICK=1's few seconds per scenario."""

    quick: bool
    repeats: int
    seconds: float  # per throughput run
    mjpeg_warmup: float
    mjpeg_seconds: float
    rss_after: float  # seconds of server uptime before RSS and open files are read
    wrk: str | None

    @classmethod
    def make(cls, quick: bool, wrk: str | None) -> Settings:
        if quick:
            return cls(True, 2, 3.0, 2.0, 4.0, 30.0, wrk)
        return cls(False, 3, 10.0, 3.0, 15.0, 300.0, wrk)


async def available(server: Server, path: str) -> tuple[bool, str]:
    """Whether `path` is served: 404/405 mean "not built yet"; 503 is waited out."""
    deadline = time.monotonic() + READY_WAIT
    while True:
        try:
            response = await _get(server, path, timeout=60.0)
        except HttpError as error:
            return False, f"request failed: {error}"
        if _no_route(response.status, response.body):
            return False, f"HTTP {response.status}: route not built"
        if response.status == 503 and time.monotonic() < deadline:
            await asyncio.sleep(1.0)
            continue
        if response.status != 200:
            message = response.body[:160].decode(errors="replace")
            return True, f"first answer HTTP {response.status} {message}"
        return True, ""


def _no_route(status: int, body: bytes) -> bool:
    """404/405 from the router itself (no such route yet), not a 404 about missing data."""
    if status == 405:
        return True
    return status == 404 and body.replace(b" ", b"") in (
        b'{"success":false,"message":"NotFound"}',
        b'{"detail":"NotFound"}',
        b"NotFound",  # Starlette's plain-text default
    )


async def _get(server: Server, path: str, timeout: float = 120.0) -> Response:
    connection = Connection(*server.address, timeout=timeout)
    try:
        return await connection.get(path)
    finally:
        await connection.close()


async def _gate(scenario: str, server: Server, path: str, target: str = "") -> Result | None:
    """None when `path` answers 200; else the row saying why the scenario cannot run."""
    ok, note = await available(server, path)
    if not ok:
        return _unavailable(scenario, server, note, target)
    if note:
        return Result(scenario=scenario, server=server.name, status="failed", notes=[note],
                      target=target)  # fmt: skip
    return None


def _unavailable(scenario: str, server: Server, note: str, target: str = "") -> Result:
    return Result(scenario=scenario, server=server.name, status=NOT_AVAILABLE, notes=[note],
                  target=target)  # fmt: skip


def _is_image(kind: str) -> Callable[[Response], str | None]:
    magic = {"jpeg": (b"\xff\xd8",), "webp": (b"RIFF",), "gif": (b"GIF87a", b"GIF89a")}[kind]

    def check(response: Response) -> str | None:
        return None if response.body.startswith(magic) else f"not a {kind} body"

    return check


# ------------------------------------------------------------------------- live frames


async def throughput(
    server: Server, settings: Settings, scenario: str, path: str, connections: int
) -> Result:
    """Requests/s for one URL at `connections` (wrk, else the Python closed loop)."""
    gate = await _gate(scenario, server, path)
    if gate is not None:
        return gate
    measures: list[Measure] = []
    for _ in range(settings.repeats):
        if settings.wrk:
            measure = await run_wrk(
                settings.wrk, server.url(path), connections, settings.seconds, server.address
            )
        else:
            measure = await closed_loop(
                *server.address, lambda _n: path, connections, settings.seconds
            )
        measures.append(measure)
    result = from_measures(scenario, server.name, "req/s", measures)
    result.notes.append("wrk" if settings.wrk else "Python closed-loop client (no wrk)")
    return result


async def mjpeg(
    server: Server, settings: Settings, cameras: tuple[str, ...], viewers: int
) -> Result:
    """`viewers` MJPEG clients at fps=5 spread over the cameras; frames/s received per viewer."""
    scenario = f"MJPEG fps=5 height=360, {viewers} viewers"
    paths = [f"/api/{camera}?fps=5&height=360" for camera in cameras]
    ok, note = await _stream_available(server, paths[0])
    if not ok:
        return _unavailable(scenario, server, note)
    measures = []
    for _ in range(settings.repeats):
        measures.append(
            await mjpeg_viewers(
                *server.address, paths, viewers, settings.mjpeg_warmup, settings.mjpeg_seconds
            )
        )
    result = from_measures(scenario, server.name, "fps/viewer", measures)
    starved = sum(sum(1 for r in m.extra["rates"] if r < 2.5) for m in measures)
    lowest = min(m.extra["min_fps"] for m in measures)
    result.details.update(starved_viewers=starved, lowest_fps=lowest)
    result.notes.append(
        f"p50/p99 are gaps between frames; slowest viewer {lowest:.2f} fps; "
        f"starved (< 2.5 fps) {starved} of {viewers * len(measures)} viewer-runs"
    )
    return result


async def _stream_available(server: Server, path: str) -> tuple[bool, str]:
    connection = Connection(*server.address, timeout=30.0)
    deadline = time.monotonic() + READY_WAIT
    try:
        while True:
            try:
                status, _, _body = await connection.stream(path)
            except HttpError as error:
                return False, f"request failed: {error}"
            if status in (404, 405):
                return False, f"HTTP {status}"
            if status == 200:
                return True, ""
            await connection.close()
            if time.monotonic() > deadline:
                return False, f"HTTP {status}"
            await asyncio.sleep(1.0)
    finally:
        await connection.close()


# ------------------------------------------------------------------------------ recordings


async def vod_json(server: Server, settings: Settings, dataset: Dataset, hours: int) -> Result:
    """The nginx-vod mapping JSON for a range of `hours` of the first camera."""
    camera = dataset.spec.real_camera
    span = hours * 3600
    room = max(1.0, dataset.end_time - dataset.real_start - span - INSIDE)

    def path(n: int) -> str:
        start = dataset.real_start + INSIDE + (n * 997.3) % room
        return f"/api/vod/{camera}/start/{start:.3f}/end/{start + span:.3f}"

    scenario = f"VOD JSON {hours} h"
    target = "p50 ≤ 20 ms" if hours == 1 else ""
    gate = await _gate(scenario, server, path(0), target)
    if gate is not None:
        return gate
    first = await _get(server, path(0))
    measure = await closed_loop(
        *server.address, path, 1, settings.seconds, max_requests=200 if hours == 1 else 30
    )
    result = from_measures(scenario, server.name, "req/s", [measure], target=target)
    clips = first.body.count(b'"type"')
    result.notes.append(f"{clips} clips in the answer ({len(first.body) / 1024:.0f} KiB)")
    if hours == 1 and result.p50_ms == result.p50_ms:
        result.met = result.p50_ms <= 20
    return result


def overlap_query(dataset: Dataset, settings: Settings) -> Result:
    """The overlap query alone for 24 h on the dataset (≈1M rows), in this process."""
    camera = dataset.spec.real_camera
    end = dataset.end_time
    start = end - 86400
    repetitions = 50 if settings.quick else 300
    result = Result(scenario="overlap query 24 h (1M rows), rows fetched", server="in-process",
                    metric="ms", target="≤ 5 ms")  # fmt: skip
    timings: list[float] = []
    rows = 0
    try:
        from frigate_media.services.recordings import query as service
        from frigate_media.storage.db import open_database

        db = open_database(dataset.db_path)
        try:
            for _ in range(repetitions):
                began = time.perf_counter()
                rows = len(service.overlapping(camera, start, end))
                timings.append(time.perf_counter() - began)
        finally:
            db.close()
    except ImportError:
        result.notes.append("no services.recordings: the equivalent SQL timed instead")
    sql = (
        "SELECT id, path, start_time, end_time, duration FROM recordings WHERE camera = ?"
        " AND start_time > ? - 600 AND start_time < ? AND end_time > ? ORDER BY start_time"
    )
    connection = sqlite3.connect(dataset.db_path)
    try:
        raw: list[float] = []
        for _ in range(repetitions):
            began = time.perf_counter()
            raw_rows = len(connection.execute(sql, (camera, start, end, start)).fetchall())
            raw.append(time.perf_counter() - began)
        plan = connection.execute("EXPLAIN QUERY PLAN " + sql, (camera, start, end, start))
        plan_text = "; ".join(str(row[-1]) for row in plan.fetchall())
        # The query without handing 8,640 rows to Python, and Frigate's unbounded predicate.
        counted = _time_sql(connection, COUNT_BOUNDED, (camera, start, end, start), repetitions)
        seed = _time_sql(connection, COUNT_SEED, (start, end, start, end, start, end, camera), 5)
    finally:
        connection.close()
    raw_summary = summarize(raw)
    result.details.update(
        raw_sql_p50_ms=raw_summary.p50 * 1000, plan=plan_text, rows=raw_rows,
        count_only_p50_ms=counted * 1000, frigate_predicate_count_p50_ms=seed * 1000,
    )  # fmt: skip
    result.notes.append(
        f"sqlite3 fetchall of {raw_rows} rows (the figure); the same predicate "
        f"as COUNT(*) (no rows to Python) {counted * 1000:.2f} ms; Frigate's seed predicate "
        f"(BETWEEN … OR …) as COUNT(*) {seed * 1000:.1f} ms; plan: {plan_text}"
    )
    if timings:
        spent = summarize(timings)
        result.details.update(service_p50_ms=spent.p50 * 1000, service_p99_ms=spent.p99 * 1000)
        result.notes.append(
            f"through services.recordings.overlapping p50 "
            f"{spent.p50 * 1000:.1f} ms, p99 {spent.p99 * 1000:.1f} ms"
        )
    summary = raw_summary
    result.value, result.low, result.high = (
        summary.p50 * 1000,
        summary.min * 1000,
        summary.max * 1000,
    )
    result.p50_ms, result.p99_ms, result.repeats = summary.p50 * 1000, summary.p99 * 1000, 1
    result.met = result.p50_ms <= 5
    if timings and rows != raw_rows:
        result.notes.append(f"service returned {rows} rows, SQL {raw_rows}")
    return result


COUNT_BOUNDED = (
    "SELECT COUNT(*) FROM recordings WHERE camera = ?"
    " AND start_time > ? - 600 AND start_time < ? AND end_time > ?"
)
COUNT_SEED = (
    "SELECT COUNT(*) FROM recordings WHERE (start_time BETWEEN ? AND ? OR end_time BETWEEN ? AND ?"
    " OR (? > start_time AND ? < end_time)) AND camera = ?"
)


def _time_sql(
    connection: sqlite3.Connection, sql: str, args: tuple[object, ...], repetitions: int
) -> float:
    """p50 seconds of one statement run to completion."""
    timings = []
    for _ in range(repetitions):
        began = time.perf_counter()
        connection.execute(sql, args).fetchall()
        timings.append(time.perf_counter() - began)
    return summarize(timings).p50


async def clip_mp4(
    server: Server,
    settings: Settings,
    dataset: Dataset,
    workdir: Path,
    *,
    verify: bool = True,
    target: str = "first byte ≤ 300 ms",
) -> Result:
    """`clip.mp4` of 1 h: first byte, total time, MiB/s, and the duration PyAV reads back
    (`verify`; the reference's bytes are no MP4). Each range is asked for the first time."""
    camera = dataset.spec.real_camera
    scenario = "clip.mp4 1 h"
    starts = [dataset.end_time - 3600 - k * 3600 for k in range(settings.repeats)]
    paths = [f"/api/{camera}/start/{s:.3f}/end/{s + 3600:.3f}/clip.mp4" for s in starts]
    target_file = workdir / "clip-download.mp4"
    measures: list[Measure] = []
    durations: list[float] = []
    for path in paths:
        measure = Measure()
        connection = Connection(*server.address, timeout=300.0)
        began = time.perf_counter()
        first_byte = None
        size = 0
        try:
            status, _, body = await connection.stream(path)
            if status in (404, 405) and not measures:
                return _unavailable(scenario, server, f"HTTP {status}", target)
            with target_file.open("wb") as handle:
                async for chunk in body:
                    if first_byte is None:
                        first_byte = time.perf_counter() - began
                    size += len(chunk)
                    if verify:
                        handle.write(chunk)
            total = time.perf_counter() - began
            if status != 200:
                measure.error(f"HTTP {status}")
            else:
                measure.latencies.append(first_byte or total)
                measure.rate = size / MIB / total
                measure.extra.update(total=total, size=size)
                if verify:
                    durations.append(await asyncio.to_thread(_duration, target_file))
        except (HttpError, OSError, asyncio.IncompleteReadError, ValueError) as error:
            measure.error(type(error).__name__)
        finally:
            await connection.close()
            target_file.unlink(missing_ok=True)
        measures.append(measure)
    result = from_measures(scenario, server.name, "MiB/s", measures, target=target)
    totals = [m.extra["total"] for m in measures if "total" in m.extra]
    sizes = [m.extra["size"] for m in measures if "size" in m.extra]
    if totals:
        checked = ", ".join(f"{d:.1f}" for d in durations) if durations else "not checked"
        result.notes.append(
            f"p50/p99 are the first byte; total {min(totals):.1f}–{max(totals):.1f} s for "
            f"{sizes[0] / MIB:.0f} MiB; PyAV duration {checked} s (asked 3600)"
        )
        result.met = result.p99_ms <= 300 if target else None
    result.details.update(durations=durations, totals=totals)
    return result


def _duration(path: Path) -> float:
    """The duration a player is told, as ffprobe prints it (libavformat's: edit lists honoured,
    a fragmented MP4's read from its fragments); else from the first video packet to the end
    of the last one (demuxed, not decoded)."""
    import av

    with av.open(str(path)) as container:
        if container.duration:
            return float(container.duration / av.time_base)
        stream = container.streams.video[0]
        if stream.time_base is None:
            return 0.0
        rate = stream.average_rate or stream.guessed_rate
        # A packet without a duration lasts one frame interval.
        step = float(1 / (rate * stream.time_base)) if rate else 0.0
        first: int | None = None
        last = 0.0
        for packet in container.demux(stream):
            if packet.pts is None:
                continue
            first = packet.pts if first is None else min(first, packet.pts)
            last = max(last, packet.pts + (packet.duration or step))
        if first is None:
            return 0.0
        return float((last - first) * stream.time_base)


async def frame_at_time(
    server: Server, settings: Settings, dataset: Dataset, concurrency: int
) -> Result:
    """`/api/<cam>/recordings/<t>/snapshot.jpg` at times spread over the real day."""
    camera = dataset.spec.real_camera
    room = dataset.end_time - dataset.real_start - 20

    def path(n: int) -> str:
        moment = dataset.real_start + 5 + (n * 613.37) % room
        return f"/api/{camera}/recordings/{moment:.3f}/snapshot.jpg"

    scenario = f"frame at a time (recordings snapshot.jpg), {concurrency} concurrent"
    gate = await _gate(scenario, server, path(0))
    if gate is not None:
        return gate
    measures = [
        await closed_loop(*server.address, path, concurrency, settings.seconds,
                          check=_is_image("jpeg"))
        for _ in range(settings.repeats)
    ]  # fmt: skip
    return from_measures(scenario, server.name, "req/s", measures)


async def hls(server: Server, settings: Settings, dataset: Dataset) -> Result:
    """HLS: `index.m3u8` of 1 h, then its init and first segment (as a player starts)."""
    camera = dataset.spec.real_camera
    scenario, target = "HLS 1 h: playlist + init + first segment", "first segment ≤ 500 ms"
    room = dataset.end_time - dataset.real_start - 3600 - INSIDE
    count = 4 if settings.quick else 12
    first = dataset.real_start + INSIDE
    base0 = f"/vod/{camera}/start/{first:.3f}/end/{first + 3600:.3f}"
    gate = await _gate(scenario, server, base0 + "/index.m3u8", target)
    if gate is not None:
        return gate

    async def work() -> Measure:
        measure = Measure()
        playlists: list[float] = []
        segments: list[float] = []
        for n in range(count):
            start = dataset.real_start + INSIDE + (n * 1733.3) % room
            base = f"/vod/{camera}/start/{start:.3f}/end/{start + 3600:.3f}/"
            connection = Connection(*server.address, timeout=60.0)
            try:
                began = time.perf_counter()
                playlist = await connection.get(base + "index.m3u8")
                if playlist.status != 200:
                    measure.error(f"playlist HTTP {playlist.status}")
                    continue
                text = playlist.body.decode(errors="replace")
                init = re.search(r'#EXT-X-MAP:URI="([^"]+)"', text)
                segment = next(
                    (line for line in text.splitlines() if line and not line.startswith("#")), None
                )
                if segment is None:
                    measure.error("playlist without segments")
                    continue
                if init:
                    response = await connection.get(base + init.group(1))
                    if response.status != 200:
                        measure.error(f"init HTTP {response.status}")
                        continue
                seg_began = time.perf_counter()
                response = await connection.get(base + segment)
                done = time.perf_counter()
                if response.status != 200 or not response.size:
                    measure.error(f"segment HTTP {response.status}")
                    continue
                playlists.append(playlist.total)
                segments.append(done - seg_began)
                measure.latencies.append(done - began)
            except HttpError as error:
                measure.error(str(error).split(":", 1)[0])
            finally:
                await connection.close()
        measure.extra.update(playlists=playlists, segments=segments)
        measure.rate = summarize(measure.latencies).p50 * 1000 if measure.latencies else 0.0
        return measure

    measure = await with_probe(*server.address, work)
    result = from_measures(scenario, server.name, "ms to first segment", [measure], target=target)
    if measure.latencies:
        playlist_p50 = summarize(measure.extra["playlists"]).p50 * 1000
        segment_p50 = summarize(measure.extra["segments"]).p50 * 1000
        result.notes.append(
            f"p50/p99 from asking the playlist to holding segment 1; playlist alone p50 "
            f"{playlist_p50:.0f} ms, first segment request alone p50 {segment_p50:.0f} ms"
        )
        result.met = result.p99_ms <= 500
    return result


async def preview_gif(server: Server, settings: Settings, dataset: Dataset) -> Result:
    """`preview.gif` of 20 s inside the hour covered by the previews row."""
    camera = dataset.spec.real_camera
    room = dataset.preview_end - dataset.preview_start - 40

    def path(n: int) -> str:
        start = dataset.preview_start + 10 + (n * 311.7) % room
        return f"/api/{camera}/start/{start:.3f}/end/{start + 20:.3f}/preview.gif"

    scenario = "preview.gif 20 s"
    gate = await _gate(scenario, server, path(0))
    if gate is not None:
        return gate
    measure = await closed_loop(
        *server.address, path, 1, settings.seconds, check=_is_image("gif"), max_requests=20
    )
    return from_measures(scenario, server.name, "req/s", [measure])
