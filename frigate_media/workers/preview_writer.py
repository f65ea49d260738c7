"""The hourly preview writer: turns each camera's cached frames into `clips/previews` MP4s.

At every hour boundary (and at shutdown, and for leftovers at startup) the frames taken before
the boundary become `clips/previews/<cam>/<first>-<end>.mp4` with a `previews` row
(`<cam>_<end>`), as Frigate's preview recorder writes them; then the frames are removed. The
newest frame is carried over as the first frame of the next segment (Frigate does the same),
so the next preview starts where this one ends and `latest.jpg` keeps a fallback frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from frigate_media.context import AppContext
from frigate_media.errors import MediaError, NotFound
from frigate_media.ffmpeg import concat
from frigate_media.ffmpeg.args.hourly_preview import encode_args
from frigate_media.services.previews.frames import PreviewFrame, frame_name, list_frames
from frigate_media.storage.models import Previews

logger = logging.getLogger(__name__)

HOUR = 3600.0
POLL_SECONDS = 5.0


def hour_start(moment: float) -> float:
    """The UTC hour boundary at or before `moment` (Frigate cuts previews on UTC hours)."""
    return moment - (moment % HOUR)


def playlist(frames: Sequence[PreviewFrame], end: float) -> bytes:
    """A concat list giving each frame its real duration, the last one held until `end`."""
    lines: list[str] = []
    for index, frame in enumerate(frames):
        until = frames[index + 1].time if index + 1 < len(frames) else end
        lines.append(concat.file_entry(frame.path))
        if until > frame.time:
            lines.append(f"duration {until - frame.time:.6f}")
    # Listing the last file again makes the concat demuxer honour the last duration.
    lines.append(concat.file_entry(frames[-1].path))
    return ("\n".join(lines) + "\n").encode()


def _group_by_hour(frames: Sequence[PreviewFrame]) -> list[list[PreviewFrame]]:
    groups: dict[float, list[PreviewFrame]] = {}
    for frame in frames:
        groups.setdefault(hour_start(frame.time), []).append(frame)
    return [groups[key] for key in sorted(groups)]


def _insert_row(camera: str, path: Path, start: float, end: float) -> None:
    Previews.insert(
        id=f"{camera}_{end}",
        camera=camera,
        path=str(path),
        start_time=start,
        end_time=end,
        duration=end - start,
    ).on_conflict_replace().execute()


def _carry_and_remove(
    directory: Path, camera: str, frames: Sequence[PreviewFrame], carry_to: float | None
) -> None:
    if carry_to is not None and frames:
        carried = directory / frame_name(camera, carry_to)
        if not carried.exists():
            with contextlib.suppress(OSError):
                shutil.copyfile(frames[-1].path, carried)
    for frame in frames:
        frame.path.unlink(missing_ok=True)


class PreviewWriter:
    """A background service that writes the hourly preview MP4s from cached frames."""

    name = "preview-writer"

    def __init__(self, context: AppContext, *, poll_seconds: float | None = None) -> None:
        self.context = context
        self.poll_seconds = POLL_SECONDS if poll_seconds is None else poll_seconds
        self._task: asyncio.Task[None] | None = None
        self._segment_end = 0.0
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        self._segment_end = hour_start(self.context.clock.now()) + HOUR
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush(self.context.clock.now())

    async def _run(self) -> None:
        # Frames left from hours that ended while we were not running.
        await self._flush_logged(hour_start(self.context.clock.now()))
        while True:
            await asyncio.sleep(self.poll_seconds)
            now = self.context.clock.now()
            if now >= self._segment_end:
                boundary = hour_start(now)
                await self._flush_logged(boundary)
                self._segment_end = boundary + HOUR

    async def _flush_logged(self, before: float) -> None:
        try:
            await self.flush(before)
        except Exception:  # the loop must survive one bad hour
            logger.exception("writing hourly previews before %s failed", before)

    async def flush(self, before: float) -> list[Path]:
        """Write previews of every camera's frames taken before `before`; return the files."""
        written: list[Path] = []
        async with self._lock:
            for camera in self.context.config.cameras:
                written += await self._flush_camera(camera, before)
        return written

    async def _flush_camera(self, camera: str, before: float) -> list[Path]:
        directory = self.context.paths.preview_frames
        try:
            frames = await asyncio.to_thread(list_frames, directory, camera, end=before)
        except NotFound:
            return []
        frames = [frame for frame in frames if frame.time < before]
        if not frames:
            return []
        written: list[Path] = []
        for group in _group_by_hour(frames):
            end = min(hour_start(group[0].time) + HOUR, before)
            path = await self._write(camera, group, end)
            if path is not None:
                written.append(path)
        # Carry the newest frame to the boundary unless it is too old to stand for this hour.
        carry_to = before if before - frames[-1].time <= HOUR else None
        await asyncio.to_thread(_carry_and_remove, directory, camera, frames, carry_to)
        return written

    async def _write(self, camera: str, frames: Sequence[PreviewFrame], end: float) -> Path | None:
        start = frames[0].time
        folder = self.context.paths.previews / camera
        target = folder / f"{start}-{end}.mp4"
        temp = folder / f".{start}-{end}.part.mp4"
        try:
            await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
            result = await self.context.ffmpeg.run(
                encode_args(temp), input_bytes=playlist(frames, end), limited=False
            )
            if not result.ok:
                logger.error("preview for %s failed: %s", camera, result.stderr_tail)
                return None
            await asyncio.to_thread(os.replace, temp, target)
        except (MediaError, OSError) as error:
            logger.error("preview for %s failed: %s", camera, error)
            return None
        finally:
            temp.unlink(missing_ok=True)
        await self.context.run_db(_insert_row, camera, target, start, end)
        logger.info("wrote hourly preview %s", target)
        return target
