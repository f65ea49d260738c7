"""Sample tables indexed ahead of requests: the last hours at start, then every new segment.

clip.mp4 is assembled from the sample index (`mp4/index.py`, in our scratch). A segment missing
from it is read at request time, ~0.2 ms each: a 24-h range has 8,640. This worker keeps the
index ahead of the requests: at start it queues the last `limits.clip_index_hours` of every
configured camera, newest first, without holding up start-up; every few seconds it reads the
`recordings` rows added since its last look (by rowid, which follows insertion whatever the
camera or the start time) and indexes their files, new rows before the backlog, in bounded
batches. Frigate's DB is only read, on the DB threads; segments are only opened for reading;
the indexing itself runs on the index's own thread, one batch at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Collection

from frigate_media.context import AppContext
from frigate_media.services.recordings.query import MAX_SEGMENT_SECONDS
from frigate_media.storage.models import Recordings

logger = logging.getLogger(__name__)

POLL_SECONDS = 5.0
BATCH = 200  # segments per indexing batch (and rows per poll)


def _execute(sql: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = Recordings._meta.database.execute_sql(sql, params).fetchall()
    return rows


def newest_rowid() -> int:
    """The rowid of the newest `recordings` row (0 when there is none). Blocking."""
    rows = _execute("SELECT COALESCE(MAX(rowid), 0) FROM recordings", ())
    return int(str(rows[0][0]))


def rows_after(rowid: int, cameras: Collection[str], limit: int) -> tuple[int, int, list[str]]:
    """Up to `limit` rows inserted after `rowid`: (the last rowid read, how many rows, the paths
    of `cameras`' rows among them). Blocking."""
    rows = _execute(
        "SELECT rowid, camera, path FROM recordings WHERE rowid > ? ORDER BY rowid LIMIT ?",
        (rowid, limit),
    )
    if not rows:
        return rowid, 0, []
    paths = [str(path) for _, camera, path in rows if camera in cameras]
    return int(str(rows[-1][0])), len(rows), paths


def recent_paths(cameras: Collection[str], since: float) -> list[str]:
    """The segment paths of `cameras` recorded after `since` (a segment running then counts),
    newest first. Blocking."""
    found: list[tuple[float, str]] = []
    for camera in cameras:
        # Bounded below like every recordings query, so SQLite walks (camera, start_time).
        rows = _execute(
            "SELECT start_time, path FROM recordings WHERE camera = ? AND start_time > ?"
            " AND end_time > ? ORDER BY start_time DESC",
            (camera, since - MAX_SEGMENT_SECONDS, since),
        )
        found += [(float(str(start)), str(path)) for start, path in rows]
    found.sort(reverse=True)
    return [path for _, path in found]


class SampleIndexer:
    """Keeps the sample index ahead of clip.mp4 requests (see the module docstring)."""

    name = "sample indexer"

    def __init__(
        self, context: AppContext, *, poll_seconds: float = POLL_SECONDS, batch: int = BATCH
    ) -> None:
        self.context = context
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.cameras = frozenset(context.config.cameras)
        self.backlog_done = asyncio.Event()  # set once the start-up hours are indexed
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="sample-indexer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _index(self, paths: list[str]) -> None:
        if paths:
            await asyncio.wrap_future(self.context.samples.index_in_background(paths))

    async def _run(self) -> None:
        hours = self.context.config.limits.clip_index_hours
        began = time.monotonic()
        last = await self.context.run_db(newest_rowid)
        since = self.context.clock.now() - hours * 3600
        recent = await self.context.run_db(recent_paths, self.cameras, since) if hours else []
        backlog = deque(recent)
        queued = len(backlog)
        while True:
            try:
                last, read, fresh = await self.context.run_db(
                    rows_after, last, self.cameras, self.batch
                )
                await self._index(fresh)
                if backlog:
                    take = min(self.batch, len(backlog))
                    await self._index([backlog.popleft() for _ in range(take)])
                    if not backlog:
                        self._backlog_indexed(queued, hours, time.monotonic() - began)
                    continue
                self.backlog_done.set()
                if read == self.batch:
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("indexing sample tables failed; trying again shortly")
            await asyncio.sleep(self.poll_seconds)

    def _backlog_indexed(self, count: int, hours: float, seconds: float) -> None:
        self.backlog_done.set()
        logger.info(
            "sample index: the last %g h (%d segments) read in %.1f s", hours, count, seconds
        )
