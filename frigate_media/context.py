"""Everything a request or a background service needs, built once by the composition root."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar

from peewee import SqliteDatabase

from frigate_media.auth.identity import Authenticator
from frigate_media.clock import Clock
from frigate_media.config import CameraConfig, FrigateConfig
from frigate_media.errors import NotFound
from frigate_media.ffmpeg.runner import FfmpegRunner
from frigate_media.storage.paths import MediaPaths

if TYPE_CHECKING:
    from frigate_media.frames.processor import FrameProcessor
    from frigate_media.services.events.manual import ManualEvents
    from frigate_media.services.hls import HlsService
    from frigate_media.services.previews.encodes import PreviewJobs

logger = logging.getLogger(__name__)

T = TypeVar("T")
DB_THREADS = 4


class BackgroundService(Protocol):
    """A long-running part of the service, started and stopped by the app's lifespan."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class AppContext:
    """Config, storage, ffmpeg, clock and auth: shared by routes, services and background work."""

    config: FrigateConfig
    paths: MediaPaths
    db: SqliteDatabase
    ffmpeg: FfmpegRunner
    clock: Clock
    auth: Authenticator
    background: list[BackgroundService] = field(default_factory=list)
    previews: PreviewJobs | None = None  # preview encodes in flight (services/previews.py)
    hls: HlsService | None = None  # built-in HLS, made on first use
    frames: FrameProcessor | None = None  # live frames, motion, tracked objects (frames/)
    manual_events: ManualEvents | None = None  # API-created events (services/manual_events.py)
    _db_executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(DB_THREADS, thread_name_prefix="db")
    )

    def camera(self, name: str) -> CameraConfig:
        """A configured camera, or NotFound (404) with Frigate's message."""
        camera = self.config.cameras.get(name)
        if camera is None:
            raise NotFound("Camera not found")
        return camera

    async def run_db(self, function: Callable[..., T], *args: object) -> T:
        """Run blocking DB work on the DB threads, never on the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db_executor, function, *args)

    async def start(self) -> None:
        for service in self.background:
            logger.info("starting %s", service.name)
            await service.start()

    async def stop(self) -> None:
        for service in reversed(self.background):
            try:
                await service.stop()
            except Exception:
                logger.exception("stopping %s failed", service.name)
        await self.ffmpeg.close()
        self.auth.close()  # authlimits: the password-check threads
        self._db_executor.shutdown(wait=False, cancel_futures=True)
        self.db.close()
