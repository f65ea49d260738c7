"""The recorder background service: one CameraRecorder per recorded camera plus retention."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from frigate_media.context import AppContext
from frigate_media.workers.recording.command import records
from frigate_media.workers.recording.recorder import STOP_FLUSH_SECONDS, CameraRecorder
from frigate_media.workers.recording.retention import RetentionResult, apply_retention
from frigate_media.workers.recording.segments import MotionSource

logger = logging.getLogger(__name__)

RETENTION_INTERVAL_SECONDS = 300.0


class RecorderService:
    """Records every camera with `record.enabled` and a record input; applies retention."""

    name = "recorder"

    def __init__(
        self,
        context: AppContext,
        *,
        motion: MotionSource | None = None,
        retention_interval: float = RETENTION_INTERVAL_SECONDS,
    ) -> None:
        self.context = context
        self.retention_interval = retention_interval
        self.recorders = {
            name: CameraRecorder(context, camera, motion=motion)
            for name, camera in context.config.cameras.items()
            if records(camera)
        }
        self._tasks: list[asyncio.Task[None]] = []
        self._retention: asyncio.Task[None] | None = None

    async def start(self) -> None:
        for name, recorder in self.recorders.items():
            task = asyncio.create_task(self._supervise(recorder), name=f"recorder-{name}")
            self._tasks.append(task)
        self._retention = asyncio.create_task(self._retention_loop(), name="retention")

    async def stop(self) -> None:
        if self._retention is not None:
            self._retention.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retention
        await asyncio.gather(*(r.stop() for r in self.recorders.values()))
        if self._tasks:
            # Give the recorders time to file their last segment, then cancel what is left.
            _, pending = await asyncio.wait(self._tasks, timeout=STOP_FLUSH_SECONDS)
            for task in pending:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    @staticmethod
    async def _supervise(recorder: CameraRecorder) -> None:
        try:
            await recorder.run()
        except Exception:
            # A bug must not take the API down with it; say so loudly instead.
            logger.exception("the recorder for %s stopped on an error", recorder.camera.name)

    async def run_retention(self) -> RetentionResult:
        """One retention pass over the recorded cameras (file and row go together)."""
        days = {name: r.camera.record.retain.days for name, r in self.recorders.items()}
        return await self.context.run_db(
            apply_retention, days, self.context.paths.recordings, self.context.clock.now()
        )

    async def _retention_loop(self) -> None:
        while True:
            try:
                await self.run_retention()
            except Exception:
                logger.exception("retention pass failed")
            await asyncio.sleep(self.retention_interval)
