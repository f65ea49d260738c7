"""The ffmpeg runner: real jobs, timeouts that kill, cancellation that reaps, the job limit."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from frigate_media.errors import Busy, Timeout, UpstreamFailed
from frigate_media.ffmpeg.binary import resolve_ffmpeg
from frigate_media.ffmpeg.probe import probe
from frigate_media.ffmpeg.runner import FfmpegRunner, terminate

ENDLESS = ["-re", "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=5", "-f", "null", "-"]


def runner(**kwargs: float) -> FfmpegRunner:
    return FfmpegRunner(resolve_ffmpeg("default"), **kwargs)  # type: ignore[arg-type]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); read its state.
    with open(f"/proc/{pid}/stat") as handle:
        return handle.read().split()[2] != "Z"


def test_a_job_returns_its_output() -> None:
    result = asyncio.run(
        runner().run(
            [
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=64x48:rate=1",
                "-frames:v",
                "1",
                "-c:v",
                "png",
                "-f",
                "image2pipe",
                "-",
            ]
        )
    )
    assert result.ok
    assert result.stdout.startswith(b"\x89PNG")


def test_a_failing_job_keeps_the_stderr_tail() -> None:
    result = asyncio.run(runner().run(["-i", "/nonexistent/file.mp4", "-f", "null", "-"]))
    assert not result.ok
    assert "No such file" in result.stderr_tail


def test_a_timeout_kills_the_process() -> None:
    async def scenario() -> None:
        jobs = runner()
        with pytest.raises(Timeout):
            await jobs.run(ENDLESS, timeout=0.5)
        assert jobs.running == 0

    asyncio.run(scenario())


def test_cancelling_a_stream_reaps_ffmpeg() -> None:
    async def scenario() -> None:
        jobs = runner()
        stream = jobs.stream(
            [
                "-re",
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=64x64:rate=5",
                "-c:v",
                "mjpeg",
                "-f",
                "image2pipe",
                "-",
            ]
        )
        first = await anext(stream)
        assert first
        process = next(iter(jobs._running))
        await stream.aclose()
        assert jobs.running == 0
        assert not alive(process.pid)

    asyncio.run(scenario())


def test_a_stream_that_fails_before_output_raises() -> None:
    async def scenario() -> None:
        with pytest.raises(UpstreamFailed):
            async for _ in runner().stream(["-i", "/nonexistent.mp4", "-f", "mp4", "-"]):
                pass

    asyncio.run(scenario())


def test_the_job_limit_answers_busy_instead_of_queueing_forever() -> None:
    async def scenario() -> None:
        jobs = runner(max_jobs=1, queue_wait=0.2)
        first = asyncio.create_task(jobs.run(ENDLESS, timeout=3))
        await asyncio.sleep(0.3)
        with pytest.raises(Busy) as caught:
            await jobs.run(ENDLESS, timeout=1)
        assert caught.value.headers["Retry-After"]
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        assert jobs.running == 0

    asyncio.run(scenario())


def test_probe_reads_duration_and_keyframes(clip_factory: object) -> None:
    path: Path = clip_factory(seconds=4, gop_seconds=1)  # type: ignore[operator]
    info = probe(str(path), keyframes=True)
    assert info.duration == pytest.approx(4.0, abs=0.25)
    assert info.video_codec == "h264"
    assert [round(k, 1) for k in info.keyframes] == [0.0, 1.0, 2.0, 3.0]
    assert info.keyframe_at_or_before(2.5) == pytest.approx(2.0, abs=0.01)


def test_terminate_reaps_a_process_whose_full_stdout_nobody_reads() -> None:
    async def scenario() -> None:
        jobs = runner()
        # Raw video fills the pipe within milliseconds; nobody reads it.
        process, stderr = await jobs.spawn(
            ["-f", "lavfi", "-i", "testsrc2=size=640x480:rate=30", "-f", "rawvideo", "-"]
        )
        await asyncio.sleep(1.0)
        await asyncio.wait_for(terminate(process), 10)
        assert process.returncode is not None
        assert not alive(process.pid)
        await stderr.finish()

    asyncio.run(scenario())


def test_streams_have_their_own_slots_so_short_jobs_run_while_streams_hold_theirs() -> None:
    endless_stream = [*ENDLESS[:-3], "-f", "mpegts", "-"]

    async def scenario() -> None:
        jobs = runner(max_jobs=1, max_streams=1, queue_wait=0.2)
        stream = jobs.stream(endless_stream, idle_timeout=5)
        assert await anext(stream)  # the only stream slot is held while it streams
        with pytest.raises(Busy) as caught:
            await anext(jobs.stream(endless_stream))
        assert "streaming" in caught.value.message
        result = await jobs.run(
            ["-f", "lavfi", "-i", "testsrc2=size=64x48:rate=1", "-frames:v", "1", "-f", "null", "-"]
        )
        assert result.ok  # the short-job slot was free all along
        await stream.aclose()  # type: ignore[attr-defined]
        assert jobs.running == 0

    asyncio.run(scenario())
