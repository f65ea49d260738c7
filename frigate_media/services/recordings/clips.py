"""MP4 clips of a camera's recordings for a time range: streamed at once, or built once for Range.

Both paths concat the recordings with stream copy, cut at the millisecond: the start on the
keyframe at or before the requested start (the VOD plan's cut points), the end where asked.
The concat list goes to ffmpeg on stdin, so no playlist file can be left behind.

A plain request gets a fragmented MP4 as ffmpeg writes it (first bytes in well under a second).
A request with `Range` gets a faststart file built once per (camera, range, recordings) under
`paths.clip_cache`, named by a hash that is also its ETag; concurrent requests share one build,
and files unused for an hour are removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from frigate_media.context import AppContext
from frigate_media.errors import BadRequest, NotFound, UpstreamFailed
from frigate_media.ffmpeg import concat
from frigate_media.ffmpeg.args.clips import concat_args
from frigate_media.file_identity import FileIdentity
from frigate_media.services.recordings import vod_forms
from frigate_media.services.recordings.vod import VodPlan
from frigate_media.singleflight import SingleFlight

logger = logging.getLogger(__name__)

CACHE_DIR_NAME = "clips"
CACHE_MAX_AGE_SECONDS = 3600
BUILD_TIMEOUT_SECONDS = 600.0
NO_RECORDINGS = "No recordings found for the specified time range"


@dataclass
class ClipBody:
    """A clip: a finished file (Range-able) or a stream already under way; its content key (the
    same for the same recordings and range) and the name it is downloaded as."""

    key: str
    name: str
    file: Path | None = None
    stat: os.stat_result | None = None
    stream: AsyncIterator[bytes] | None = field(default=None, repr=False)


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


def _fingerprint(plan: VodPlan) -> str:
    """A stable hash of what the clip is made of: camera, range, and each file's identity."""
    digest = hashlib.sha256(f"{plan.camera}|{plan.start!r}|{plan.end!r}".encode())
    for clip in plan.clips:
        try:
            source = FileIdentity.of(clip.path)
            identity = f"{source.size}:{source.mtime_ns}"
        except OSError:
            identity = "missing"
        digest.update(f"|{clip.path}|{clip.clip_from_ms}|{clip.duration_ms}|{identity}".encode())
    return digest.hexdigest()[:40]


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


class ClipCache:
    """Faststart clip files in the work directory, each built once however many ask at once."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._builds: SingleFlight[str, Path] = SingleFlight()

    def path_for(self, key: str) -> Path:
        return self.directory / f"{key}.mp4"

    def sweep(self, now: float) -> int:
        """Remove clips unused for an hour and any build leftovers. Blocking."""
        removed = 0
        try:
            entries = list(os.scandir(self.directory))
        except FileNotFoundError:
            return 0
        for entry in entries:
            try:
                if now - entry.stat().st_mtime > CACHE_MAX_AGE_SECONDS:
                    os.unlink(entry.path)
                    removed += 1
            except OSError:
                continue
        return removed

    async def get(self, context: AppContext, key: str, script: bytes) -> Path:
        target = self.path_for(key)
        existing = await asyncio.to_thread(_touch, target)
        if existing:
            return target
        # One build per key; a client going away does not cancel the build others wait for.
        return await self._builds.run(key, lambda: self._build(context, key, script))

    async def _build(self, context: AppContext, key: str, script: bytes) -> Path:
        target = self.path_for(key)
        partial = self.directory / f"{key}.{os.getpid()}.part"
        await asyncio.to_thread(self.directory.mkdir, parents=True, exist_ok=True)
        await asyncio.to_thread(self.sweep, time.time())
        try:
            result = await context.ffmpeg.run(
                concat_args(str(partial), fragmented=False),
                input_bytes=script,
                timeout=BUILD_TIMEOUT_SECONDS,
            )
            if not result.ok:
                logger.error("clip build failed: %s", result.stderr_tail)
                raise UpstreamFailed("Unable to build the clip")
            await asyncio.to_thread(os.replace, partial, target)
            return target
        finally:
            with contextlib.suppress(FileNotFoundError):
                await asyncio.to_thread(os.unlink, partial)


def _touch(path: Path) -> bool:
    """Mark a cached clip as used now; False when there is none."""
    try:
        os.utime(path)
    except FileNotFoundError:
        return False
    return True


async def clip_body(
    context: AppContext,
    camera: str,
    start: float,
    end: float,
    *,
    ranged: bool,
) -> ClipBody:
    """The clip of `camera` over [start, end]: a cached file when `ranged`, else a live stream.

    Shared by `/{camera}/start/{s}/end/{e}/clip.mp4`, `/events/{id}/clip.mp4` and
    `/review/{id}/clip.mp4`; `api.http_cache.clip_response` turns the result into a response.
    """
    plan = await plan_clip(context, camera, start, end)
    script = concat_list(plan)
    key = await asyncio.to_thread(_fingerprint, plan)
    name = download_name(camera, plan.start)
    if ranged:
        path = await context.clips.get(context, key, script)
        stat = await asyncio.to_thread(os.stat, path)
        return ClipBody(key, name, file=path, stat=stat)
    chunks = context.ffmpeg.stream(concat_args("pipe:1", fragmented=True), input_bytes=script)
    return ClipBody(key, name, stream=await _primed(chunks))
