"""The one async runner for every short ffmpeg job: bounded, timed, killed and reaped on cancel.

Short jobs (`run`: GIFs, previews, frame grabs) and streams (`stream`: clip.mp4 sent as ffmpeg
writes it, for as long as the client reads) have separate pools of slots, so long streams never
hold the slots short jobs need; in each pool one requester holds at most its share
(`fair_slots`). Long-lived processes (camera ingest, recorder) use `spawn`, which is not counted
against any pool but gets the same stderr draining and kill-on-stop. Services and workers know
the runner only as `Ffmpeg` (the protocol below), so a test can hand them another one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from frigate_media.errors import Timeout, UpstreamFailed, without_paths
from frigate_media.fair_slots import FairSlots

logger = logging.getLogger(__name__)

STDERR_TAIL_LINES = 20
STREAM_CHUNK_BYTES = 64 * 1024
KILL_GRACE_SECONDS = 2.0


@dataclass
class FfmpegResult:
    """What a finished ffmpeg job left behind."""

    returncode: int
    stdout: bytes
    stderr_tail: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class StderrTail:
    """Drains a process's stderr so the pipe never fills, keeping the last lines for errors."""

    def __init__(self, stream: asyncio.StreamReader | None, label: str) -> None:
        self._lines: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        self._label = label
        self._task = asyncio.create_task(self._drain(stream)) if stream is not None else None

    async def _drain(self, stream: asyncio.StreamReader) -> None:
        while True:
            line = await stream.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip()
            if text:
                self._lines.append(text)

    async def finish(self) -> str:
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, KILL_GRACE_SECONDS)
        return "\n".join(self._lines)

    def text(self) -> str:
        return "\n".join(self._lines)


async def _discard(stream: asyncio.StreamReader | None) -> None:
    """Read a pipe to its end, throwing the bytes away."""
    if stream is None:
        return
    with contextlib.suppress(Exception):
        while await stream.read(STREAM_CHUNK_BYTES):
            pass


async def terminate(process: asyncio.subprocess.Process) -> None:
    """Stop a process politely, then kill it, and always reap it (no zombies).

    On Python 3.11, `Process.wait()` returns only once every pipe has reached end of file, so a
    stdout nobody reads any more (a client went away, a full frame pipe) would keep it waiting
    forever: drain it meanwhile.
    """
    if process.returncode is not None:
        return
    drain = asyncio.create_task(_discard(process.stdout))
    try:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.shield(process.wait()), KILL_GRACE_SECONDS)
        except (TimeoutError, asyncio.CancelledError):
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await asyncio.shield(process.wait())
    finally:
        drain.cancel()


class Ffmpeg(Protocol):
    """What services and workers use of the runner: short jobs, streams and long-lived spawns."""

    async def run(
        self,
        args: Sequence[str],
        *,
        input_bytes: bytes | None = None,
        timeout: float | None = None,
        limited: bool = True,
    ) -> FfmpegResult: ...

    def stream(
        self,
        args: Sequence[str],
        *,
        input_bytes: bytes | None = None,
        idle_timeout: float = 30.0,
        chunk_size: int = STREAM_CHUNK_BYTES,
        limited: bool = True,
    ) -> AsyncIterator[bytes]: ...

    async def spawn(
        self, args: Sequence[str], *, stdout: bool = True
    ) -> tuple[asyncio.subprocess.Process, StderrTail]: ...

    def forget(self, process: asyncio.subprocess.Process) -> None: ...

    async def close(self) -> None: ...


class FfmpegRunner:
    """Runs ffmpeg jobs with a concurrency limit, a timeout and clean teardown."""

    def __init__(
        self,
        binary: str,
        *,
        max_jobs: int = 4,
        max_streams: int = 4,
        share: float = 1.0,
        queue_wait: float = 5.0,
        default_timeout: float = 120.0,
    ) -> None:
        self.binary = binary
        self.max_jobs = max_jobs
        self.queue_wait = queue_wait
        self.default_timeout = default_timeout
        self.jobs = FairSlots(
            max_jobs,
            share=share,
            queue_wait=queue_wait,
            busy_message="Too many media jobs are running; try again shortly",
            requester_message="Too many media jobs for this user at once; try again shortly",
        )
        self.streams = FairSlots(
            max_streams,
            share=share,
            queue_wait=queue_wait,
            busy_message="Too many clips are streaming; try again shortly",
            requester_message="Too many clips streaming for this user at once; try again shortly",
        )
        self._running: set[asyncio.subprocess.Process] = set()

    @property
    def running(self) -> int:
        """How many processes this runner owns right now."""
        return len(self._running)

    def argv(self, args: Sequence[str]) -> list[str]:
        return [self.binary, "-hide_banner", "-nostdin", *args]

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the short-job slots, or fail with Busy after `queue_wait` seconds."""
        async with self.jobs.hold():
            yield

    async def _start(
        self, args: Sequence[str], *, stdin: bool, stdout: bool = True
    ) -> asyncio.subprocess.Process:
        argv = self.argv(args)
        if stdin:
            # ffmpeg must read stdin for this job, so drop the -nostdin we add by default.
            argv.remove("-nostdin")
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE if stdout else asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as error:
            raise UpstreamFailed(f"Unable to start ffmpeg: {error.strerror}") from None
        self._running.add(process)
        return process

    async def run(
        self,
        args: Sequence[str],
        *,
        input_bytes: bytes | None = None,
        timeout: float | None = None,
        limited: bool = True,
    ) -> FfmpegResult:
        """Run one ffmpeg job to completion and return its stdout and stderr tail."""
        budget = self.default_timeout if timeout is None else timeout
        guard = self.slot() if limited else contextlib.nullcontext()
        async with guard:
            process = await self._start(args, stdin=input_bytes is not None)
            stderr = StderrTail(process.stderr, "ffmpeg")
            try:
                try:
                    stdout, _ = await asyncio.wait_for(
                        self._communicate(process, input_bytes), budget
                    )
                except TimeoutError:
                    raise Timeout(f"ffmpeg did not finish within {budget:g} s") from None
                returncode = await process.wait()
                return FfmpegResult(returncode, stdout, await stderr.finish())
            finally:
                await terminate(process)
                await stderr.finish()
                self._running.discard(process)

    @staticmethod
    async def _communicate(
        process: asyncio.subprocess.Process, input_bytes: bytes | None
    ) -> tuple[bytes, None]:
        async def feed() -> None:
            assert process.stdin is not None
            try:
                process.stdin.write(input_bytes or b"")
                await process.stdin.drain()
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                process.stdin.close()

        feeder = asyncio.create_task(feed()) if input_bytes is not None else None
        assert process.stdout is not None
        stdout = await process.stdout.read()
        if feeder is not None:
            await feeder
        return stdout, None

    async def stream(
        self,
        args: Sequence[str],
        *,
        input_bytes: bytes | None = None,
        idle_timeout: float = 30.0,
        chunk_size: int = STREAM_CHUNK_BYTES,
        limited: bool = True,
    ) -> AsyncIterator[bytes]:
        """Yield ffmpeg's stdout as it comes; stop and reap it when the consumer goes away.

        A non-zero exit after output began is logged (the response is already under way);
        before any output it raises UpstreamFailed so the client gets a real error.
        """
        guard = self.streams.hold() if limited else contextlib.nullcontext()
        async with guard:
            process = await self._start(args, stdin=input_bytes is not None)
            stderr = StderrTail(process.stderr, "ffmpeg")
            if input_bytes is not None:
                assert process.stdin is not None
                process.stdin.write(input_bytes)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    await process.stdin.drain()
                process.stdin.close()
            sent_any = False
            try:
                assert process.stdout is not None
                while True:
                    try:
                        chunk = await asyncio.wait_for(
                            process.stdout.read(chunk_size), idle_timeout
                        )
                    except TimeoutError:
                        raise Timeout(f"ffmpeg produced nothing for {idle_timeout:g} s") from None
                    if not chunk:
                        break
                    sent_any = True
                    yield chunk
                returncode = await process.wait()
                if returncode != 0:
                    tail = await stderr.finish()
                    logger.error("ffmpeg exited with %s: %s", returncode, tail)
                    if not sent_any:
                        last = tail.splitlines()[-1] if tail else "no output"
                        raise UpstreamFailed(f"ffmpeg failed: {without_paths(last)}")
            finally:
                await terminate(process)
                await stderr.finish()
                self._running.discard(process)

    async def spawn(
        self, args: Sequence[str], *, stdout: bool = True
    ) -> tuple[asyncio.subprocess.Process, StderrTail]:
        """Start a long-lived ffmpeg outside the job limit; the caller stops it with `terminate`."""
        process = await self._start(args, stdin=False, stdout=stdout)
        return process, StderrTail(process.stderr, "ffmpeg")

    def forget(self, process: asyncio.subprocess.Process) -> None:
        """Stop tracking a spawned process the caller has terminated."""
        self._running.discard(process)

    async def close(self) -> None:
        """Terminate every process this runner still owns."""
        await asyncio.gather(*(terminate(p) for p in list(self._running)), return_exceptions=True)
        self._running.clear()
