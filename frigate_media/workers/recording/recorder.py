"""The recorder: per camera, a supervised segmenting ffmpeg and a maintainer filing its output.

A segment is finished once ffmpeg has opened the next one (or has exited); the maintainer then
hands it to the SegmentMover. ffmpeg restarts with backoff; a full media disk pauses recording
(ffmpeg stopped, segments kept in the cache) and is retried later while the API keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import replace
from pathlib import Path

from frigate_media.config import CameraConfig
from frigate_media.context import AppContext
from frigate_media.errors import MediaError
from frigate_media.ffmpeg.runner import terminate
from frigate_media.workers.recording.command import record_args
from frigate_media.workers.recording.layout import (
    MAX_SEGMENTS_IN_CACHE,
    CacheSegment,
    parse_cache_name,
)
from frigate_media.workers.recording.segments import DiskFull, MotionSource, SegmentMover

logger = logging.getLogger(__name__)

MAINTAIN_INTERVAL_SECONDS = 2.0
# A process that ran this long was healthy: its exit restarts the backoff from the start.
HEALTHY_RUN_SECONDS = 60.0
MAX_BACKOFF_SECONDS = 120.0
DISK_FULL_RETRY_SECONDS = 60.0
STOP_GRACE_SECONDS = 5.0
# A floored whole-second name plus scheduling slack.
CHAIN_TOLERANCE_SECONDS = 1.5
STOP_FLUSH_SECONDS = 15.0


def record_cache_dir(context: AppContext, camera: str) -> Path:
    """Where ffmpeg writes a camera's segments: our work dir, never the bare cache root."""
    return context.paths.recorder_staging / camera


class CameraRecorder:
    """Records one camera: runs ffmpeg, files finished segments, restarts on failure."""

    def __init__(
        self,
        context: AppContext,
        camera: CameraConfig,
        *,
        motion: MotionSource | None = None,
        disk_full_retry: float = DISK_FULL_RETRY_SECONDS,
        maintain_interval: float = MAINTAIN_INTERVAL_SECONDS,
    ) -> None:
        self.context = context
        self.camera = camera
        self.cache_dir = record_cache_dir(context, camera.name)
        self.mover = SegmentMover(context, motion)
        self.disk_full_retry = disk_full_retry
        self.maintain_interval = maintain_interval
        self.process: asyncio.subprocess.Process | None = None
        self.failures = 0
        self.restarts = 0
        self.disk_full = False
        # End of the last segment filed from the running ffmpeg: its next segment starts there.
        self._chain_end: float | None = None
        self._stopping = asyncio.Event()

    def pending(self) -> list[CacheSegment]:
        """This camera's segments in the cache, oldest first."""
        segments = []
        for path in self.cache_dir.glob("*.mp4"):
            segment = parse_cache_name(path)
            if segment is not None and segment.camera == self.camera.name:
                segments.append(segment)
        return sorted(segments, key=lambda s: s.start)

    async def maintain(self, *, include_newest: bool) -> None:
        """File every finished segment; the newest is still being written while ffmpeg runs."""
        segments = await asyncio.to_thread(self.pending)
        finished = segments if include_newest else segments[:-1]
        if len(finished) > MAX_SEGMENTS_IN_CACHE:
            dropped = finished[:-MAX_SEGMENTS_IN_CACHE]
            logger.warning(
                "%s: %d segments waiting in the cache; discarding the %d oldest",
                self.camera.name,
                len(finished),
                len(dropped),
            )
            for segment in dropped:
                segment.path.unlink(missing_ok=True)
            finished = finished[-MAX_SEGMENTS_IN_CACHE:]
        for segment in finished:
            if self._stopping.is_set() and not include_newest:
                return
            segment = self._chained(segment)
            try:
                row = await self.mover.finish(segment)
            except DiskFull as error:
                if not self.disk_full:
                    logger.error(
                        "%s: the media disk is full (%s); recording paused, retrying every %g s",
                        self.camera.name,
                        error,
                        self.disk_full_retry,
                    )
                self.disk_full = True
                return
            self._chain_end = float(row["end_time"]) if row is not None else None
        if self.disk_full:
            logger.info("%s: the media disk has room again; recording resumes", self.camera.name)
        self.disk_full = False

    def _chained(self, segment: CacheSegment) -> CacheSegment:
        """Sub-second start times: a cache name only has whole seconds (floored), but the
        segments of one ffmpeg run are contiguous, so one starts where the previous ended."""
        end = self._chain_end
        if end is not None and segment.start <= end < segment.start + CHAIN_TOLERANCE_SECONDS:
            return replace(segment, start=end)
        return segment

    async def run(self) -> None:
        """Finish leftovers from a previous run, then record until stopped."""
        await asyncio.to_thread(self.cache_dir.mkdir, parents=True, exist_ok=True)
        await self.maintain(include_newest=True)
        while not self._stopping.is_set():
            if self.disk_full:
                await self._sleep(self.disk_full_retry)
                await self.maintain(include_newest=True)
                continue
            await self._record_once()
            if self._stopping.is_set() or self.disk_full:
                continue
            await self._sleep(self._backoff())

    async def _record_once(self) -> None:
        started = time.monotonic()
        args = record_args(self.context.config, self.camera, self.cache_dir)
        try:
            process, stderr = await self.context.ffmpeg.spawn(args, stdout=False)
        except MediaError as error:
            logger.error("%s: cannot start the recorder: %s", self.camera.name, error.message)
            self.failures += 1
            return
        self.process = process
        self._chain_end = None
        try:
            while process.returncode is None and not self._stopping.is_set():
                await self._wait_for_exit_or_stop(process)
                await self.maintain(include_newest=process.returncode is not None)
                if self.disk_full:
                    break
        finally:
            await self._close(process)
            self.context.ffmpeg.forget(process)
            self.process = None
        tail = await stderr.finish()
        # ffmpeg closes its last segment cleanly on SIGTERM; a killed one is discarded here.
        await self.maintain(include_newest=True)
        if self._stopping.is_set() or self.disk_full:
            return
        ran = time.monotonic() - started
        self.failures = 1 if ran >= HEALTHY_RUN_SECONDS else self.failures + 1
        self.restarts += 1
        logger.warning(
            "%s: recorder ffmpeg exited with %s after %.0f s; restarting in %.0f s: %s",
            self.camera.name,
            process.returncode,
            ran,
            self._backoff(),
            tail.splitlines()[-1] if tail else "(no output)",
        )

    def _backoff(self) -> float:
        retry = self.camera.ffmpeg.retry_interval
        step = retry * 2 ** max(0, self.failures - 1)
        return float(min(step, max(retry, MAX_BACKOFF_SECONDS)))

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _wait_for_exit_or_stop(self, process: asyncio.subprocess.Process) -> None:
        waiters = {
            asyncio.ensure_future(process.wait()),
            asyncio.ensure_future(self._stopping.wait()),
        }
        try:
            await asyncio.wait(
                waiters, timeout=self.maintain_interval, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in waiters:
                waiter.cancel()

    @staticmethod
    async def _close(process: asyncio.subprocess.Process) -> None:
        """One SIGTERM, then patience: ffmpeg treats a second signal as "abort the I/O", which
        would cut the last segment's index short while it is being moved to the front."""
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), STOP_GRACE_SECONDS)
        await terminate(process)  # kills and reaps one that did not listen

    async def stop(self) -> None:
        """Ask the run loop to stop ffmpeg cleanly; it files the last segment and returns."""
        self._stopping.set()
