"""GIF and MP4 previews of a camera's time range, from hourly preview MP4s and cached frames.

One pipeline for both outputs (Frigate copies it four times): pick the sources, build one
ffmpeg job, run it through the shared runner (its job limit answers 503 when full). Identical
requests that arrive while an encode runs wait for that encode instead of starting another.
MP4s are files in a byte-capped cache (`bounded.BoundedDirectory`): room for the expected size
is reserved before ffmpeg writes (and ffmpeg may not write more), and the file being served is
pinned until its response ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from frigate_media import imaging
from frigate_media.bounded import BoundedDirectory, Lease
from frigate_media.config import FrigateConfig
from frigate_media.context import AppContext
from frigate_media.errors import Busy, MediaError, NotFound, UpstreamFailed
from frigate_media.ffmpeg import concat
from frigate_media.ffmpeg.args import previews as preview_args
from frigate_media.ffmpeg.args.previews import FRAME_SECONDS
from frigate_media.ffmpeg.probe import probe
from frigate_media.services.previews.frames import PreviewFrame, list_frames
from frigate_media.services.timeranges import time_range
from frigate_media.singleflight import SingleFlight
from frigate_media.storage.models import Previews
from frigate_media.storage.paths import MediaPaths

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Frigate's record cleanup removes cached preview MP4s after an hour; we do the same for ours.
MP4_CACHE_SECONDS = 3600.0
# Room reserved for an MP4 before it is encoded: its inputs' share times these factors, plus a
# floor. On test media the H.264 output came to 0.35-0.62x the hourly previews' share and 0.6x
# the WebP frames; an encode that still reaches its reservation (ffmpeg stops there) is made
# once more with RETRY_FACTOR times the room.
SEGMENT_SIZE_FACTOR = 3.0
FRAME_SIZE_FACTOR = 1.0
MIN_RESERVATION_BYTES = 256 * 1024
RETRY_FACTOR = 8
PIN_ATTEMPTS = 3
TEMP_PREFIX = ".preview-"
CLEANUP_EVERY_SECONDS = 60.0
# A cached MP4 is complete (reusable) once it was written this long after its range ended.
COMPLETE_AFTER_SECONDS = 5.0
# A cached MP4 this close to the sweep's age is made again rather than reused, so the sweep
# never removes a file between the reuse check and the response opening it.
REUSE_MARGIN_SECONDS = 300.0
MIN_SEGMENT_SECONDS = 0.01
HOUR = 3600.0


@dataclass(frozen=True)
class Segment:
    """The part [start, end] of one hourly preview file that the output uses."""

    path: str
    file_start: float
    start: float
    end: float

    @property
    def offset(self) -> float:
        return max(0.0, self.start - self.file_start)

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class PreviewSource:
    """What one preview is made of: hourly-preview segments, then current-hour frames."""

    segments: tuple[Segment, ...]
    frames: tuple[PreviewFrame, ...]
    live: bool
    size: tuple[int, int] | None = None  # common frame size, when inputs must be scaled alike

    @property
    def input_count(self) -> int:
        return len(self.segments) + (1 if self.frames else 0)


@dataclass(frozen=True)
class GifPreview:
    """An animated, looping GIF; `live` when it shows the still-growing current hour."""

    content: bytes
    live: bool


@dataclass(frozen=True)
class Mp4Preview:
    """A faststart MP4 on disk (under the cache); `live` while its bytes are not final.

    The file is never touched after it is written, so its (size, mtime) — what the ETag and
    Last-Modified are made of — stay the same for as long as the same bytes are served, and
    `live` depends only on whether those bytes are final (written after the range was over).
    `lease` pins the file in the cache: whoever serves it releases it when done.
    """

    path: Path
    file_name: str
    live: bool
    lease: Lease | None = None


def is_preview_mp4(name: str) -> bool:
    """A preview MP4 of ours (Frigate's cache names), the only files its cache owns."""
    return name.startswith("preview_") and name.endswith(".mp4")


@dataclass
class PreviewJobs:
    """Per-app state: the MP4 files (a bounded directory, built by the composition root),
    encodes in flight by request key, and when the MP4 cache was last swept."""

    files: BoundedDirectory
    inflight: SingleFlight[tuple[Any, ...], Any] = field(default_factory=SingleFlight)
    last_cleanup: float = 0.0

    async def shared(self, key: tuple[Any, ...], make: Callable[[], Awaitable[T]]) -> T:
        """Run `make()` once for concurrent callers with the same key; all get its result.

        A caller that goes away does not cancel the encode others are waiting for.
        """
        result: T = await self.inflight.run(key, make)
        return result


# ---------------------------------------------------------------- source selection


def cover(rows: Sequence[tuple[str, float, float]], start: float, end: float) -> list[Segment]:
    """The ordered, non-overlapping parts of hourly previews that cover [start, end].

    `rows` are (path, start_time, end_time). Where previews overlap, the one that starts first
    is used up to its end and the next continues from there; gaps are skipped.
    """
    segments: list[Segment] = []
    cursor = start
    for path, row_start, row_end in sorted(rows, key=lambda r: (r[1], -r[2])):
        if row_end <= cursor + MIN_SEGMENT_SECONDS:
            continue
        seg_start = max(cursor, row_start)
        if seg_start >= end:
            break
        seg_end = min(end, row_end)
        if seg_end - seg_start < MIN_SEGMENT_SECONDS:
            continue
        segments.append(Segment(path, row_start, seg_start, seg_end))
        cursor = seg_end
        if cursor >= end:
            break
    return segments


def _overlapping_previews(camera: str, start: float, end: float) -> list[tuple[str, float, float]]:
    query: Any = (
        Previews.select(Previews.path, Previews.start_time, Previews.end_time)
        .where(
            (Previews.camera == camera) & (Previews.start_time < end) & (Previews.end_time > start)
        )
        .order_by(Previews.start_time.asc(), Previews.end_time.desc())
        .tuples()
    )
    rows: list[tuple[Any, Any, Any]] = list(query)
    return [(str(path), float(first), float(last)) for path, first, last in rows]


def _media_size(path: str) -> tuple[int, int] | None:
    try:
        if path.endswith(".mp4"):
            info = probe(path)
            return (info.width, info.height) if info.width and info.height else None
        with open(path, "rb") as handle:
            return imaging.declared_size(handle.read())
    except (MediaError, OSError):
        return None


def _files_and_frames(
    context: AppContext, segments: list[Segment], camera: str, frames_from: float, end: float
) -> tuple[list[Segment], list[PreviewFrame], tuple[int, int] | None]:
    present = [s for s in segments if os.path.isfile(s.path)]
    frames: list[PreviewFrame] = []
    if frames_from < end:
        with contextlib.suppress(NotFound):
            frames = list_frames(context.paths.preview_frames, camera, frames_from, end)
    size = None
    if len(present) + (1 if frames else 0) > 1:
        first = present[0].path if present else str(frames[0].path)
        size = _media_size(first)
    return present, frames, size


async def select_sources(
    context: AppContext, camera: str, start: float, end: float
) -> PreviewSource:
    """The hourly previews and cached frames that show [start, end]; 404 when there are none."""
    rows = await context.run_db(_overlapping_previews, camera, start, end)
    segments = cover(rows, start, end)
    frames_from = segments[-1].end if segments else start
    present, frames, size = await asyncio.to_thread(
        _files_and_frames, context, segments, camera, frames_from, end
    )
    if not present and not frames:
        raise NotFound("Preview not found")
    now = context.clock.now()
    live = bool(frames) or end > now - (now % HOUR)
    return PreviewSource(tuple(present), tuple(frames), live, size)


# ---------------------------------------------------------------- ffmpeg input


def frames_playlist(frames: Sequence[PreviewFrame]) -> bytes:
    """A concat list showing each frame for FRAME_SECONDS (the last one listed twice so it
    keeps its duration, as Frigate does)."""
    lines: list[str] = []
    for frame in frames:
        lines.append(concat.file_entry(frame.path))
        lines.append(f"duration {FRAME_SECONDS}")
    lines.append(concat.file_entry(frames[-1].path))
    return ("\n".join(lines) + "\n").encode()


def _playlist(source: PreviewSource) -> bytes | None:
    """What ffmpeg reads on stdin: the frames list, when the source has frames."""
    return frames_playlist(source.frames) if source.frames else None


# ---------------------------------------------------------------- GIF


async def _encode_gif(
    context: AppContext, camera: str, start: float, end: float
) -> tuple[bytes, bool]:
    source = await select_sources(context, camera, start, end)
    args = preview_args.gif_args(source.segments, bool(source.frames), source.size)
    result = await context.ffmpeg.run(args, input_bytes=_playlist(source))
    if not result.ok:
        logger.error("preview gif for %s failed: %s", camera, result.stderr_tail)
        raise UpstreamFailed("Unable to create preview gif")
    if not result.stdout:
        raise NotFound("Preview not found")
    return result.stdout, source.live


async def gif(
    context: AppContext,
    camera: str,
    start: float,
    end: float,
) -> GifPreview:
    """An animated GIF (8 fps, looping) of `camera` over [start, end].

    400 for a bad or too long range, 404 without previews, 503 when the job limit is full.
    """
    time_range(start, end, context.config.limits.gif_max_seconds)
    key = ("gif", camera, start, end)
    content, live = await context.previews.shared(
        key, lambda: _encode_gif(context, camera, start, end)
    )
    return GifPreview(content, live)


# ---------------------------------------------------------------- MP4


def mp4_file_name(camera: str, start: float, end: float) -> str:
    """Frigate's cache name for a preview MP4 (camera names are already [A-Za-z0-9_-])."""
    return f"preview_{camera}_{start}-{end}.mp4"


def mp4_directory(config: FrigateConfig, paths: MediaPaths) -> Path:
    """Behind Frigate's nginx the file must sit in the cache root (its /cache/ alias; standalone
    only, the config refuses it beside Frigate); else our scratch."""
    if config.server.behind_frigate_nginx:
        return paths.cache
    return paths.preview_mp4s


def _is_complete(stat: os.stat_result, end: float) -> bool:
    """Written once its range was over: these bytes are final for this range."""
    return stat.st_size > 0 and stat.st_mtime >= end + COMPLETE_AFTER_SECONDS


def _reusable(path: Path, end: float, now: float) -> os.stat_result | None:
    """The stat of a complete cached file the sweep will leave alone for a while, else None.

    Never touched here: a new mtime would be a new ETag for the same bytes on every hit.
    """
    try:
        stat = path.stat()
    except OSError:
        return None
    if not _is_complete(stat, end):
        return None
    if stat.st_mtime < now - (MP4_CACHE_SECONDS - REUSE_MARGIN_SECONDS):
        return None
    return stat


def expected_size(source: PreviewSource) -> int:
    """The bytes to reserve for an MP4 of `source` (see SEGMENT_SIZE_FACTOR). Blocking."""
    segments = 0.0
    for segment in source.segments:
        try:
            size = os.path.getsize(segment.path)
            duration = probe(segment.path).duration
        except (MediaError, OSError):
            continue
        share = min(1.0, segment.duration / duration) if duration > 0 else 1.0
        segments += size * share
    frames = 0
    for frame in source.frames:
        with contextlib.suppress(OSError):
            frames += frame.path.stat().st_size
    estimate = segments * SEGMENT_SIZE_FACTOR + frames * FRAME_SIZE_FACTOR
    return int(estimate) + MIN_RESERVATION_BYTES


async def _encode_into(
    context: AppContext, camera: str, source: PreviewSource, name: str, room: int
) -> os.stat_result | None:
    """Encode into reserved room and commit it as `name`; None when ffmpeg filled the room
    (the output was cut short). Busy (503) when the cache cannot make the room."""
    files = context.previews.files
    reservation = await asyncio.to_thread(files.reserve, room)
    try:
        temp = await asyncio.to_thread(reservation.temp_path, ".part")
        args = preview_args.mp4_args(
            source.segments, bool(source.frames), source.size, temp, max_bytes=room
        )
        result = await context.ffmpeg.run(args, input_bytes=_playlist(source))
        written = await asyncio.to_thread(_stat_or_none, temp)
        if not result.ok or written is None or written.st_size == 0:
            logger.error("preview mp4 for %s failed: %s", camera, result.stderr_tail)
            raise UpstreamFailed("Unable to create preview mp4")
        if written.st_size >= room:
            logger.warning("preview mp4 for %s reached its %d reserved bytes", camera, room)
            return None
        await asyncio.to_thread(reservation.commit, temp, name)
        return written  # the rename keeps the inode, so this is the target's stat
    finally:
        await asyncio.to_thread(reservation.release)


def _stat_or_none(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None


async def _encode_mp4(
    context: AppContext, camera: str, start: float, end: float, name: str
) -> os.stat_result:
    """Write the MP4 as `name` in the cache; return the stat of what was written."""
    source = await select_sources(context, camera, start, end)
    room = await asyncio.to_thread(expected_size, source)
    written = await _encode_into(context, camera, source, name, room)
    if written is None:
        written = await _encode_into(context, camera, source, name, room * RETRY_FACTOR)
    if written is None:
        raise UpstreamFailed("Unable to create preview mp4: it came out far larger than expected")
    return written


async def mp4(
    context: AppContext,
    camera: str,
    start: float,
    end: float,
) -> Mp4Preview:
    """A faststart H.264 MP4 of `camera` over [start, end], cached on disk for an hour.

    `live` (the short Cache-Control) only while the range is still being recorded, so every
    request for one file gets the same validators and the same caching header. The answer's
    `lease` pins the file: release it once the file has been sent.
    """
    time_range(start, end, context.config.limits.preview_mp4_max_seconds)
    await sweep_mp4_cache(context)
    name = mp4_file_name(camera, start, end)
    files = context.previews.files
    for _ in range(PIN_ATTEMPTS):
        lease = files.pin(name)
        if lease is not None:
            stat = await asyncio.to_thread(_reusable, lease.path, end, context.clock.now())
            if stat is not None:
                return Mp4Preview(lease.path, name, live=not _is_complete(stat, end), lease=lease)
            lease.release()
        key = ("mp4", camera, start, end)
        stat = await context.previews.shared(
            key, lambda: _encode_mp4(context, camera, start, end, name)
        )
        lease = files.pin(name)
        if lease is not None:
            return Mp4Preview(lease.path, name, live=not _is_complete(stat, end), lease=lease)
    # Encoded, then evicted before it could be pinned, each time: the cache is under pressure.
    raise Busy("The preview cache is too busy to keep this preview; retry shortly")


async def sweep_mp4_cache(context: AppContext, *, force: bool = False) -> int:
    """Delete cached preview MP4s written over an hour ago (at most once a minute unless
    forced); one being served stays until its response ends."""
    state = context.previews
    now = context.clock.now()
    if not force and now - state.last_cleanup < CLEANUP_EVERY_SECONDS:
        return 0
    state.last_cleanup = now
    return await asyncio.to_thread(
        functools.partial(state.files.expire, written_before=now - MP4_CACHE_SECONDS)
    )
