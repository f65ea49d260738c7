"""Per-camera ingest: an ffmpeg decoding the detect input to raw yuv420p, read off a pipe, with a
watchdog that restarts it after `retry_interval` when it dies or stalls."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from frigate_media.config import CameraConfig, GlobalFfmpegConfig, InputConfig
from frigate_media.ffmpeg.args import ingest
from frigate_media.ffmpeg.runner import Ffmpeg, StderrTail, terminate
from frigate_media.frames.yuv import frame_size

logger = logging.getLogger(__name__)

FIRST_FRAME_TIMEOUT = 20.0  # seconds: RTSP negotiation on a loaded host can take a while
STALL_FLOOR = 1.0  # seconds: never call a stream stalled sooner than this


def ingest_args(
    camera: CameraConfig,
    source: InputConfig,
    defaults: GlobalFfmpegConfig,
    width: int,
    height: int,
    fps: int,
) -> list[str]:
    """The detect command for `source`: the input's args, else the camera's, else the global
    ones (the command line itself is `ffmpeg/args/ingest.py`'s)."""
    configured = source.input_args or camera.ffmpeg.input_args or defaults.input_args
    return ingest.ingest_args(
        camera.ffmpeg.global_args or defaults.global_args,
        ingest.input_args(configured, source.path),
        source.path,
        width,
        height,
        fps,
    )


async def _drain(stream: asyncio.StreamReader) -> None:
    with contextlib.suppress(Exception):
        while await stream.read(1 << 20):
            pass


@dataclass
class IngestStats:
    """What the watchdog has seen, for tests and /stats-like reporting."""

    starts: int = 0
    frames: int = 0
    pid: int | None = None
    last_error: str = ""


FrameSink = Callable[[bytes], Awaitable[None]]


class CameraIngest:
    """Keeps one ffmpeg decoding a camera; hands every raw frame to `sink` on the event loop."""

    def __init__(
        self,
        runner: Ffmpeg,
        args: list[str],
        width: int,
        height: int,
        retry_interval: float,
        sink: FrameSink,
        *,
        name: str,
    ) -> None:
        self.runner = runner
        self.args = args
        self.frame_bytes = frame_size(width, height)
        self.retry_interval = retry_interval
        self.sink = sink
        self.name = name
        self.stats = IngestStats()
        self._process: asyncio.subprocess.Process | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def process(self) -> asyncio.subprocess.Process | None:
        return self._process

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._watchdog(), name=f"ingest-{self.name}")

    async def stop(self) -> None:
        self._stopping = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._kill()

    async def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        # asyncio's Process.wait() also waits for stdout to reach EOF; a full, paused pipe
        # would block it forever, so keep draining while ffmpeg is being stopped.
        drain = asyncio.create_task(_drain(process.stdout)) if process.stdout else None
        try:
            await terminate(process)
        finally:
            if drain is not None:
                drain.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await drain
            self.runner.forget(process)

    async def _watchdog(self) -> None:
        """Run ffmpeg; whenever it ends, wait `retry_interval` and start it again."""
        while not self._stopping:
            try:
                await self._run_once()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a bug must not end the camera's ingest for good
                logger.exception("%s: ingest failed", self.name)
                self.stats.last_error = str(error)
            await self._kill()
            await asyncio.sleep(self.retry_interval)

    async def _run_once(self) -> None:
        process, stderr = await self.runner.spawn(self.args)
        self._process = process
        self.stats.starts += 1
        self.stats.pid = process.pid
        logger.info("%s: ffmpeg started (pid %s)", self.name, process.pid)
        try:
            await self._read_frames(process)
        finally:
            await self._kill()
            tail = await stderr.finish()
            self._log_end(process, stderr, tail)

    async def _read_frames(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        timeout = max(FIRST_FRAME_TIMEOUT, self.retry_interval)
        stall = max(STALL_FLOOR, self.retry_interval)
        while True:
            try:
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that
                # races a completed read, and the stop would then wait forever.
                async with asyncio.timeout(timeout):
                    data = await process.stdout.readexactly(self.frame_bytes)
            except asyncio.IncompleteReadError:
                return  # ffmpeg exited (source gone, killed, or bad input)
            except TimeoutError:
                self.stats.last_error = f"no frame for {timeout:g} s"
                logger.warning("%s: no frame for %g s; restarting ffmpeg", self.name, timeout)
                return
            if self._stopping:
                return
            timeout = stall
            self.stats.frames += 1
            await self.sink(data)

    def _log_end(self, process: asyncio.subprocess.Process, stderr: StderrTail, tail: str) -> None:
        last = tail.splitlines()[-1] if tail else ""
        if last:
            self.stats.last_error = last
        logger.warning(
            "%s: ffmpeg ended (code %s)%s; retrying in %g s",
            self.name,
            process.returncode,
            f": {last}" if last else "",
            self.retry_interval,
        )
