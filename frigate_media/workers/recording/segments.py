"""Finishing one cache segment: check it, move it into Frigate's layout, then insert its row.

The order is what makes a crash harmless: the file reaches its final name only complete and
synced (temp name, fsync, rename), and the row is inserted only after that; a segment that does
not probe cleanly never gets a row.
"""

from __future__ import annotations

import asyncio
import errno
import inspect
import logging
import os
import secrets
import shutil
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, Protocol

from frigate_media.context import AppContext
from frigate_media.errors import MediaError
from frigate_media.ffmpeg.args.record import faststart_remux_args
from frigate_media.ffmpeg.probe import MediaInfo, probe
from frigate_media.storage.models import Recordings
from frigate_media.workers.recording.layout import (
    MAX_SEGMENT_DURATION,
    CacheSegment,
    new_recording_id,
    recording_path,
    segment_size_mb,
)
from frigate_media.workers.recording.mp4 import read_boxes

logger = logging.getLogger(__name__)

REMUX_TIMEOUT_SECONDS = 60.0
NO_SPACE_MESSAGE = "No space left on device"


class DiskFull(Exception):
    """The media disk has no room for another segment; recording pauses and retries later."""


class SegmentRejected(Exception):
    """The segment is unreadable, empty, too long or could not be moved; it is discarded."""


class MotionSource(Protocol):
    """What the frame processor offers the recorder: motion boxes seen between two times."""

    def motion_between(self, camera: str, start: float, end: float) -> int | Awaitable[int]: ...


def _fsync_path(path: Path, *, directory: bool = False) -> None:
    flags = os.O_RDONLY | (os.O_DIRECTORY if directory else 0)
    descriptor = os.open(path, flags)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _move_complete_file(source: Path, target: Path, temp: Path) -> None:
    """Put an already-faststart segment at `target` atomically, across filesystems if need be."""
    _fsync_path(source)
    try:
        os.rename(source, target)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        shutil.copyfile(source, temp)
        _fsync_path(temp)
        os.replace(temp, target)
        source.unlink()
    _fsync_path(target.parent, directory=True)


def _commit_temp(temp: Path, target: Path) -> None:
    _fsync_path(temp)
    os.replace(temp, target)
    _fsync_path(target.parent, directory=True)


def _row_for_path(path: str) -> bool:
    return bool(Recordings.select(Recordings.id).where(Recordings.path == path).exists())


def _insert_row(row: dict[str, Any]) -> None:
    Recordings.insert(row).execute()


class SegmentMover:
    """Turns finished cache segments into recordings rows, one at a time."""

    def __init__(self, context: AppContext, motion: MotionSource | None = None) -> None:
        self.context = context
        self.motion = motion  # None: no frame processor watches this camera, motion stays 0

    async def finish(self, segment: CacheSegment) -> dict[str, Any] | None:
        """Move `segment` into place and insert its row; None when it was discarded.

        Raises DiskFull (the cache file stays for a later retry) when the media disk is full.
        """
        try:
            info = await self._validate(segment.path)
            target = recording_path(self.context.paths.recordings, segment.camera, segment.start)
            if await self.context.run_db(_row_for_path, str(target)):
                raise SegmentRejected(f"a recording already exists at {target}")
            size = (await asyncio.to_thread(segment.path.stat)).st_size
            await self._place(segment.path, target)
        except (SegmentRejected, MediaError, OSError) as error:
            logger.warning("discarding recording segment %s: %s", segment.path.name, error)
            await asyncio.to_thread(segment.path.unlink, missing_ok=True)
            return None
        await self._cache_keyframes(target)
        end = segment.start + info.duration
        row: dict[str, Any] = {
            "id": new_recording_id(segment.start),
            "camera": segment.camera,
            "path": str(target),
            "start_time": segment.start,
            "end_time": end,
            "duration": info.duration,
            "motion": await self._motion(segment.camera, segment.start, end),
            "objects": 0,
            "regions": 0,
            "dBFS": 0,
            "segment_size": segment_size_mb(size),
        }
        try:
            await self.context.run_db(_insert_row, row)
        except Exception:
            # The file stays in place: `frigate-media index` adopts it later.
            logger.exception("could not insert the recording row for %s", target)
            return None
        return row

    async def _validate(self, path: Path) -> MediaInfo:
        boxes = await asyncio.to_thread(read_boxes, path)
        if not boxes.complete:
            raise SegmentRejected("incomplete MP4 (no index or cut short)")
        info = await asyncio.to_thread(probe, str(path))
        if info.video_codec is None:
            raise SegmentRejected("no video stream")
        if not 0 < info.duration < MAX_SEGMENT_DURATION:
            raise SegmentRejected(f"implausible duration {info.duration:.3f} s")
        return info

    async def _place(self, source: Path, target: Path) -> None:
        temp = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
            boxes = await asyncio.to_thread(read_boxes, source)
            if boxes.faststart:
                await asyncio.to_thread(_move_complete_file, source, target, temp)
            else:
                await self._remux(source, temp)
                await asyncio.to_thread(_commit_temp, temp, target)
                await asyncio.to_thread(source.unlink, missing_ok=True)
        except OSError as error:
            if error.errno == errno.ENOSPC:
                raise DiskFull(str(error)) from None
            raise SegmentRejected(f"cannot move it into place: {error}") from None
        finally:
            await asyncio.to_thread(temp.unlink, missing_ok=True)

    async def _remux(self, source: Path, temp: Path) -> None:
        """Frigate's move: a stream copy with +faststart so players read the index first."""
        result = await self.context.ffmpeg.run(
            faststart_remux_args(str(source), str(temp)),
            timeout=REMUX_TIMEOUT_SECONDS,
            limited=False,
        )
        if not result.ok:
            if NO_SPACE_MESSAGE in result.stderr_tail:
                raise DiskFull(result.stderr_tail)
            raise SegmentRejected(f"remux failed: {result.stderr_tail[-300:]}")

    async def _cache_keyframes(self, path: Path) -> None:
        """Probe once with keyframes so VOD and HLS find them cached for this file."""
        try:
            await asyncio.to_thread(probe, str(path), keyframes=True)
        except MediaError as error:
            logger.warning("could not read keyframes of %s: %s", path, error)

    async def _motion(self, camera: str, start: float, end: float) -> int:
        if self.motion is None:
            return 0
        try:
            value = self.motion.motion_between(camera, start, end)
            if inspect.isawaitable(value):
                value = await value
            return int(value)
        except Exception:
            logger.exception("motion count for %s failed", camera)
            return 0
