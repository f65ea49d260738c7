"""Everything a request or a background service needs, built once by the composition root.

`AppContext` is plain wiring: it creates nothing and imports no service. The composition root
(`app.py`) builds every piece and hands it over; the per-app state that services reach through
the context is typed by the small protocols below, so services can import the context without
the context importing them. The big components that routes call directly (the frame processor,
the HLS service, manual events) are not here: routes get them through typed dependencies
(`api/deps.py`), workers in their constructors.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from peewee import SqliteDatabase

from frigate_media.auth.identity import Authenticator
from frigate_media.bounded import BoundedDirectory, ScratchBudget
from frigate_media.clock import Clock
from frigate_media.config import CameraConfig, FrigateConfig
from frigate_media.errors import NotFound
from frigate_media.ffmpeg.runner import Ffmpeg
from frigate_media.mp4.virtual import RecentClips
from frigate_media.storage.paths import MediaPaths
from frigate_media.threads import BoundedThreads

if TYPE_CHECKING:
    from frigate_media.file_identity import FileIdentity
    from frigate_media.mp4.index import IndexReport
    from frigate_media.mp4.reader import MediaFile

logger = logging.getLogger(__name__)

T = TypeVar("T")
W = TypeVar("W")
DB_THREADS = 4


class BackgroundService(Protocol):
    """A long-running part of the service, started and stopped by the app's lifespan."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class PreviewJobState(Protocol):
    """Preview encodes in flight, the MP4 files and their sweep
    (services/previews/encodes.PreviewJobs)."""

    files: BoundedDirectory
    last_cleanup: float

    async def shared(self, key: tuple[Any, ...], make: Callable[[], Awaitable[T]]) -> T: ...


class ClipBytes(Protocol):
    """A clip of known size read by byte range, blocking (services/recordings/clips: a virtual
    MP4, or a cached file held open); `close` lets it go."""

    @property
    def size(self) -> int: ...

    def iter_range(self, start: int, end: int) -> Iterator[bytes]: ...

    def close(self) -> None: ...


class ClipFiles(Protocol):
    """The ffmpeg fallback of clips (services/recordings/clips.ClipCache): faststart files for
    Range requests, built once per set of cut points in a `BoundedDirectory`; fallbacks
    reported once."""

    files: BoundedDirectory

    def first_report(self, camera: str, reason: str) -> bool: ...

    async def open(
        self, context: AppContext, key: str, script: bytes, expected_bytes: int
    ) -> ClipBytes: ...


class SampleTables(Protocol):
    """Sample tables of recorded segments by file identity, kept in our scratch
    (mp4/index.SampleIndex): what clip.mp4 is assembled from."""

    def load(self, identities: Sequence[FileIdentity]) -> list[MediaFile]: ...

    def index_in_background(self, paths: Iterable[str]) -> Future[IndexReport]: ...

    def close(self) -> None: ...


class EventMarks(Protocol):
    """What happens to an event whose VOD plan found nothing recorded
    (services/events/unrecorded: `has_clip` cleared standalone, nothing beside Frigate)."""

    async def mark(self, context: AppContext, event_id: str) -> None: ...


class AccessTokens(Protocol):
    """Frigate+ access tokens by host and API key (services/recordings/plus.PlusTokens)."""

    def get(self, host: str, key: str) -> str: ...


class TrackedImages(Protocol):
    """What event services need from a tracked object: its camera and its rendered images."""

    id: str
    camera: str
    label: str

    def get_img_bytes(
        self,
        ext: str,
        timestamp: bool = False,
        bounding_box: bool = False,
        crop: bool = False,
        height: int | None = None,
        quality: int | None = None,
    ) -> tuple[bytes | None, float | None]: ...

    def get_thumbnail(self, ext: str) -> bytes: ...

    def get_clean_webp(self) -> bytes | None: ...


class TrackedLookup(Protocol):
    """The objects tracked live right now (frames/tracked.TrackedObjects, fed by the frames)."""

    def find(self, object_id: str) -> TrackedImages | None: ...

    def get(self, camera: str, object_id: str) -> TrackedImages | None: ...

    def remove(self, camera: str, object_id: str) -> TrackedImages | None: ...

    def on_camera(self, camera: str) -> Sequence[TrackedImages]: ...


@dataclass
class AppContext:
    """Config, storage, ffmpeg, clock, auth and the per-app stores shared by services and workers.

    Peewee's models stay bound to the one global `storage.models.database_proxy`: a process
    serves one database, and binding per database would have to wrap every query in every DB
    thread. `storage.db.open_database` is the only place that initialises the proxy, and `db`
    is the very object it returned (the composition root passes it on), so the two never differ.
    """

    config: FrigateConfig
    paths: MediaPaths
    db: SqliteDatabase
    ffmpeg: Ffmpeg
    clock: Clock
    auth: Authenticator
    previews: PreviewJobState
    clips: ClipFiles
    clean_snapshots: BoundedDirectory  # clean WebPs converted from legacy PNGs
    samples: SampleTables
    assembled: RecentClips  # virtual MP4s assembled lately, by ETag
    frame_threads: BoundedThreads  # recorded frames decoded in-process
    tracked: TrackedLookup
    plus_tokens: AccessTokens
    unrecorded: EventMarks
    scratch: ScratchBudget  # the total cap of our caches (each a BoundedDirectory in it)
    # Beside Frigate: Frigate's DB, media and cache are never written (DB opened read-only, write
    # routes 405, no recorder, retention or preview writer). Set by the composition root.
    read_only: bool = False
    workers: list[BackgroundService] = field(default_factory=list)  # started in this order
    _db_executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(DB_THREADS, thread_name_prefix="db")
    )

    def camera(self, name: str) -> CameraConfig:
        """A configured camera, or NotFound (404) with Frigate's message."""
        camera = self.config.cameras.get(name)
        if camera is None:
            raise NotFound("Camera not found")
        return camera

    def worker(self, kind: type[W]) -> W:
        """The running worker of this type (LookupError when the app runs none)."""
        for worker in self.workers:
            if isinstance(worker, kind):
                return worker
        raise LookupError(f"no {kind.__name__} among the workers")

    async def run_db(self, function: Callable[..., T], *args: object) -> T:
        """Run blocking DB work on the DB threads, never on the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db_executor, function, *args)

    async def start(self) -> None:
        for worker in self.workers:
            logger.info("starting %s", worker.name)
            await worker.start()

    async def stop(self) -> None:
        for worker in reversed(self.workers):
            try:
                await worker.stop()
            except Exception:
                logger.exception("stopping %s failed", worker.name)
        await self.ffmpeg.close()
        self.frame_threads.close()
        self.samples.close()  # after the workers: the indexer feeds it
        self.auth.close()  # the password-check threads
        self._db_executor.shutdown(wait=False, cancel_futures=True)
        self.db.close()
