"""MP4 clips of a camera's recordings for a time range: assembled from the segments, else ffmpeg.

The VOD plan (the cut points the mapping JSON and HLS share) becomes a virtual MP4
(`frigate_media.mp4`): its header built in memory from the segments' sample tables (kept in the
sample index of our scratch), its media read straight from the segments by byte range. A plain
GET and any Range are served from it with Content-Length; the same plan gives the same bytes and
the same ETag, and nothing is written to disk.

When the assembler cannot prove it handles the segments (`CannotAssemble`: a codec change, a
truncated segment, odd timescales, ...), or `limits.virtual_mp4` is off, ffmpeg concats them with
stream copy, cut as the plan cuts: a plain GET gets a fragmented MP4 as ffmpeg writes it; a Range
gets a faststart file built once per set of cut points (not per requested millisecond) under
`paths.clip_cache` (our scratch). Those files are a `bounded.BoundedDirectory` under
`limits.clip_cache_mb` and the scratch total: a build reserves its upper-bound size first,
unused files go least recently used first, a file being served is pinned, and a build that
cannot fit is answered 503 with Retry-After. What is the clip's own stays here: one build per
set of cut points, the bound of a build, and the fallback reported once per camera and reason.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import os
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from frigate_media.bounded import BoundedDirectory, Lease, Reservation
from frigate_media.context import AppContext, ClipBytes, SampleTables
from frigate_media.errors import BadRequest, Busy, NotFound, UpstreamFailed
from frigate_media.ffmpeg import concat
from frigate_media.ffmpeg.args.clips import concat_args
from frigate_media.mp4.assemble import assemble, plan_etag, plan_identities
from frigate_media.mp4.errors import CannotAssemble
from frigate_media.mp4.virtual import RecentClips, VirtualMp4
from frigate_media.services.recordings import vod_forms
from frigate_media.services.recordings.vod import VodPlan
from frigate_media.singleflight import SingleFlight

logger = logging.getLogger(__name__)

CACHE_MAX_AGE_SECONDS = 3600
BUILD_TIMEOUT_SECONDS = 600.0
NO_RECORDINGS = "No recordings found for the specified time range"
FALLBACK_FORMAT = "ffmpeg-faststart-1"  # part of the fallback's content key
# A stream-copied clip holds at most its sources' bytes; its moov is no larger than theirs put
# together. The margin covers the new box headers and wider chunk offsets.
BUILD_MARGIN_BYTES = 64 * 1024
BUILD_MARGIN_SHARE = 0.01
PIN_ATTEMPTS = 3  # a clip evicted between its build and its pin is built again, this often
READ_BYTES = 1024 * 1024


@dataclass
class ClipBody:
    """A clip: bytes readable by range (`sized`) or a stream already under way (`stream`), its
    content key (the same key, the same bytes) and the name it is downloaded as."""

    key: str
    name: str
    sized: ClipBytes | None = field(default=None, repr=False)
    stream: AsyncIterator[bytes] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class VirtualClip:
    """A `ClipBytes` over a virtual MP4: nothing to let go."""

    virtual: VirtualMp4

    @property
    def size(self) -> int:
        return self.virtual.size

    def iter_range(self, start: int, end: int) -> Iterator[bytes]:
        return self.virtual.iter_range(start, end)

    def close(self) -> None:
        return None


def concat_list(plan: VodPlan) -> bytes:
    """The ffconcat script of the plan: every clip, in-point on the first, out-point on the last."""
    lines = ["ffconcat version 1.0"]
    last = len(plan.clips) - 1
    for index, clip in enumerate(plan.clips):
        lines.append(concat.file_entry(clip.path))
        if clip.clip_from_ms is not None:
            lines.append(f"inpoint {clip.offset_seconds:.3f}")
        if index == last:
            lines.append(f"outpoint {clip.offset_seconds + clip.duration_seconds:.3f}")
    return ("\n".join(lines) + "\n").encode()


def fallback_key(plan: VodPlan) -> tuple[str, int]:
    """(content key, upper bound of its size) of the ffmpeg build. Blocking (stat).

    The key names only what the concat script reads: each file as it is now and the plan's cut
    points. Ranges whose starts fall before the same keyframe share one build.
    """
    digest = hashlib.sha256(FALLBACK_FORMAT.encode())
    total = 0
    for clip in plan.clips:
        try:
            stat = os.stat(clip.path)
            identity = f"{stat.st_size}:{stat.st_mtime_ns}"
            total += stat.st_size
        except OSError:
            identity = "missing"
        digest.update(f"|{clip.path}|{identity}|{clip.clip_from_ms}|{clip.duration_ms}".encode())
    expected = int(total * (1 + BUILD_MARGIN_SHARE)) + BUILD_MARGIN_BYTES
    return digest.hexdigest()[:40], expected


def download_name(camera: str, start: float) -> str:
    moment = datetime.fromtimestamp(start, tz=UTC)
    return f"{camera}_{moment:%Y-%m-%d_%H-%M-%S}.{int(start * 1000) % 1000:03d}Z.mp4"


async def plan_clip(context: AppContext, camera: str, start: float, end: float) -> VodPlan:
    """The clips of [start, end], bounded as the VOD range form: 400 (Frigate's code) when
    nothing was recorded."""
    vod = vod_forms.resolve_range(context, camera, start, end)
    try:
        return await vod_forms.plan(context, vod)
    except NotFound:
        raise BadRequest(NO_RECORDINGS) from None


def assemble_plan(samples: SampleTables, recent: RecentClips, plan: VodPlan) -> VirtualMp4:
    """The virtual MP4 of `plan`: the one assembled lately for the same plan and files, else
    assembled from the sample index; CannotAssemble when it cannot be. Blocking (stat)."""
    identities = plan_identities(plan)
    virtual = recent.get(plan_etag(plan, identities))
    if virtual is None:
        virtual = assemble(plan, samples, identities=identities)
        recent.put(virtual)
    return virtual


async def _primed(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Start the stream before answering, so a failing ffmpeg becomes a 502 and not a short 200."""
    try:
        first = await anext(chunks)
    except StopAsyncIteration:
        await chunks.aclose()  # type: ignore[attr-defined]
        raise UpstreamFailed("ffmpeg produced an empty clip") from None
    except BaseException:
        await chunks.aclose()  # type: ignore[attr-defined]
        raise

    async def rest() -> AsyncIterator[bytes]:
        try:
            yield first
            async for chunk in chunks:
                yield chunk
        finally:
            await chunks.aclose()  # type: ignore[attr-defined]

    return rest()


# ---- the fallback's faststart files -----------------------------------------------------------


class CachedClip:
    """A faststart file of the cache, open and pinned: it stays in the cache until `close`."""

    def __init__(self, lease: Lease, descriptor: int, size: int) -> None:
        self._lease = lease
        self._descriptor = descriptor
        self._size = size
        self._closed = False
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return self._size

    def iter_range(self, start: int, end: int) -> Iterator[bytes]:
        """Bytes [start, end) in chunks. Blocking."""
        position = start
        while position < end:
            chunk = os.pread(self._descriptor, min(READ_BYTES, end - position), position)
            if not chunk:
                raise UpstreamFailed("The cached clip is shorter than it was")
            yield chunk
            position += len(chunk)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        os.close(self._descriptor)
        self._lease.release()


def _open_sized(path: Path) -> tuple[int, int]:
    """(descriptor, size) of a file opened for reading. Blocking."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        return descriptor, os.fstat(descriptor).st_size
    except OSError:
        os.close(descriptor)
        raise


def is_clip_file(name: str) -> bool:
    """A built clip of the cache directory: `<content key>.mp4`."""
    return name.endswith(".mp4")


class ClipCache:
    """The ffmpeg path's per-app state: faststart files for Range in a `BoundedDirectory` (its
    cap, eviction and pins are the directory's), one build per key however many ask, and the
    fallbacks already reported."""

    def __init__(self, files: BoundedDirectory) -> None:
        self.files = files
        self._builds: SingleFlight[str, None] = SingleFlight()
        self._reported: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def first_report(self, camera: str, reason: str) -> bool:
        """True the first time a fallback of `camera` for `reason` is reported."""
        with self._lock:
            if (camera, reason) in self._reported:
                return False
            self._reported.add((camera, reason))
            return True

    async def open(
        self, context: AppContext, key: str, script: bytes, expected_bytes: int
    ) -> ClipBytes:
        """The file of `key`, built first when missing, held open until the caller closes it."""
        name = f"{key}.mp4"
        for _ in range(PIN_ATTEMPTS):
            if not self._builds.running(key):
                held = await self._hold(name)
                if held is not None:
                    return held
            # Joins the build another request started meanwhile, if any.
            await self._builds.run(key, lambda: self._build(context, name, script, expected_bytes))
            held = await self._hold(name)
            if held is not None:
                return held
        # Built, then evicted each time before this caller could hold it: the cache is too busy.
        raise Busy("The clip cache is too busy to keep this clip; try again shortly")

    async def _hold(self, name: str) -> CachedClip | None:
        lease = self.files.pin(name)
        if lease is None:
            return None
        try:
            descriptor, size = await asyncio.to_thread(_open_sized, lease.path)
        except OSError:  # removed behind our back: built again, its entry replaced
            lease.release()
            return None
        return CachedClip(lease, descriptor, size)

    async def _build(self, context: AppContext, name: str, script: bytes, expected: int) -> None:
        """ffmpeg writes into `expected` reserved bytes; the file is then kept as `name`."""
        files = self.files
        stale = files.clock() - CACHE_MAX_AGE_SECONDS
        await asyncio.to_thread(functools.partial(files.expire, unused_before=stale))
        reservation = await asyncio.to_thread(files.reserve, expected)
        try:
            partial = await asyncio.to_thread(reservation.temp_path, ".part")
            result = await context.ffmpeg.run(
                concat_args(str(partial), fragmented=False),
                input_bytes=script,
                timeout=BUILD_TIMEOUT_SECONDS,
            )
            if not result.ok:
                logger.error("clip build failed: %s", result.stderr_tail)
                raise UpstreamFailed("Unable to build the clip")
            await asyncio.to_thread(_keep, reservation, partial, name, expected)
        finally:
            await asyncio.to_thread(reservation.release)


def _keep(reservation: Reservation, partial: Path, name: str, expected: int) -> None:
    """Commit a built clip (past its bound it needs room for the rest, see `Reservation`)."""
    size = partial.stat().st_size
    if size > expected:
        logger.warning("clip build %s: %d bytes, past its bound of %d", name, size, expected)
    reservation.commit(partial, name)


# ---- the clip of a range ----------------------------------------------------------------------


async def _virtual(context: AppContext, plan: VodPlan) -> VirtualMp4 | None:
    """The plan assembled on a thread; None (reported once per camera and reason) when it
    cannot be, so the caller takes the ffmpeg path."""
    try:
        return await asyncio.to_thread(assemble_plan, context.samples, context.assembled, plan)
    except CannotAssemble as refused:
        reason, detail = str(refused.reason), refused.detail
    except Exception as error:  # a bug must cost the fast path, never the clip
        logger.exception("assembling the clip of %s failed", plan.camera)
        reason, detail = "error", f"{type(error).__name__}: {error}"
    if context.clips.first_report(plan.camera, reason):
        logger.warning(
            "clip.mp4 of %s served by ffmpeg (%s): %s; further fallbacks for this reason are "
            "not logged",
            plan.camera,
            reason,
            detail,
        )
    return None


async def clip_body(
    context: AppContext,
    camera: str,
    start: float,
    end: float,
    *,
    ranged: bool,
) -> ClipBody:
    """The clip of `camera` over [start, end]: the virtual MP4, else ffmpeg's (a cached
    faststart file when `ranged`, else a live stream).

    Shared by `/{camera}/start/{s}/end/{e}/clip.mp4`, `/events/{id}/clip.mp4`,
    `/review/{id}/clip.mp4` and the label clip; `api.http_cache.clip_response` answers with it.
    """
    plan = await plan_clip(context, camera, start, end)
    name = download_name(camera, plan.start)
    if context.config.limits.virtual_mp4:
        virtual = await _virtual(context, plan)
        if virtual is not None:
            return ClipBody(virtual.etag.strip('"'), name, sized=VirtualClip(virtual))
    script = concat_list(plan)
    key, expected = await asyncio.to_thread(fallback_key, plan)
    if ranged:
        held = await context.clips.open(context, key, script, expected)
        return ClipBody(key, name, sized=held)
    chunks = context.ffmpeg.stream(concat_args("pipe:1", fragmented=True), input_bytes=script)
    return ClipBody(key, name, stream=await _primed(chunks))
