"""An ffmpeg runner for tests: the real one, with a record of the jobs it was asked to run."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

from frigate_media.ffmpeg.runner import Ffmpeg, FfmpegResult, StderrTail


class CountingFfmpeg:
    """Passes every call to `inner` (a real runner) and keeps the argv of each short job.

    Handed to `build_context(..., ffmpeg=...)` or `create_app(..., ffmpeg=...)`: services see it
    through the `Ffmpeg` protocol like the real runner, nothing is patched.
    """

    def __init__(self, inner: Ffmpeg) -> None:
        self.inner = inner
        self.runs: list[list[str]] = []
        self.streams: list[list[str]] = []

    async def run(self, args: Sequence[str], **options: Any) -> FfmpegResult:
        self.runs.append(list(args))
        return await self.inner.run(args, **options)

    def stream(self, args: Sequence[str], **options: Any) -> AsyncIterator[bytes]:
        self.streams.append(list(args))
        return self.inner.stream(args, **options)

    async def spawn(
        self, args: Sequence[str], *, stdout: bool = True
    ) -> tuple[asyncio.subprocess.Process, StderrTail]:
        return await self.inner.spawn(args, stdout=stdout)

    def forget(self, process: asyncio.subprocess.Process) -> None:
        self.inner.forget(process)

    async def close(self) -> None:
        await self.inner.close()
