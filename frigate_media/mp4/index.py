"""The sample-table index: each segment's moov, read once per file identity, kept in our scratch.

One SQLite file in a directory of ours (WAL: readers never wait for the writer), holding per path
the file's size and mtime, its zlib-compressed digest (mdat extents + moov, ~1.7 KB for a 10-s
5 fps segment with AAC audio) or the reason it was refused, and when it was last used. The total
is bounded: past `max_bytes` the least recently used entries go. In front of it an in-memory LRU
of parsed tables (`memory_bytes`) serves repeated plans without parsing. Writes are serialized by
one lock (one writer); reads use one connection per thread.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from frigate_media.file_identity import FileIdentity
from frigate_media.mp4.errors import CannotAssemble, Reason
from frigate_media.mp4.reader import (
    MediaFile,
    identity_of,
    media_from_digest,
    read_digest,
)

logger = logging.getLogger(__name__)

FILE_NAME = "sample-tables.sqlite3"
DEFAULT_MAX_BYTES = (
    256 * 1024 * 1024
)  # ~150 000 segments of 5 fps with audio: > 2 weeks of one camera
DEFAULT_MEMORY_BYTES = 64 * 1024 * 1024
TOUCH_FLUSH_SECONDS = 30.0  # how often last-use times reach the file
EVICT_TO = 0.9  # after eviction, the index holds at most this share of `max_bytes`
BATCH = 500  # paths per SELECT (SQLite's variable limit is far above)
SCHEMA = """
CREATE TABLE IF NOT EXISTS tables (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    digest BLOB,
    refusal TEXT,
    bytes INTEGER NOT NULL,
    used REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS tables_used ON tables (used);
"""


@dataclass(frozen=True)
class IndexStats:
    entries: int
    bytes: int


@dataclass(frozen=True)
class IndexReport:
    """What one `index` call did."""

    indexed: int
    already: int
    refused: int
    missing: int


@dataclass(frozen=True)
class _Entry:
    identity: FileIdentity
    digest: bytes | None
    refusal: str | None


def _memory_size(media: MediaFile) -> int:
    arrays = sum(
        array.nbytes
        for track in media.tracks
        for array in (
            track.sizes,
            track.offsets,
            track.durations,
            track.dts,
            track.composition,
            track.sync,
        )
    )
    # + the times computed on use, and the objects and array headers (measured: 8,325 parsed
    # 10-s segments of 5 fps video took 44 MiB of RSS)
    return arrays * 3 // 2 + 2560


class SampleIndex:
    """Sample tables by file identity, persisted under `directory` (ours, never Frigate's)."""

    def __init__(
        self,
        directory: Path,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        memory_bytes: int = DEFAULT_MEMORY_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / FILE_NAME
        self.max_bytes = max_bytes
        self.memory_bytes = memory_bytes
        self.clock = clock
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._memory_lock = threading.Lock()
        self._memory: OrderedDict[str, tuple[FileIdentity, MediaFile, int]] = OrderedDict()
        self._memory_total = 0
        self._touched: dict[str, float] = {}
        self._flushed_at = clock()
        self._writer = self._connect()
        with self._write_lock:
            self._writer.executescript(SCHEMA)
            row = self._writer.execute("SELECT COALESCE(SUM(bytes), 0) FROM tables").fetchone()
            self._total = int(row[0])
        self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sample-index")

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    def _reader(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._connect()
            self._local.connection = connection
        return connection

    # -- reading --------------------------------------------------------------------------

    def get(self, path: str) -> MediaFile:
        """The tables of `path` as it is now. Blocking."""
        return self.load([identity_of(path)])[0]

    def load(self, identities: Sequence[FileIdentity]) -> list[MediaFile]:
        """Tables for each identity, in order: memory, then the index, then the file (stored).

        CannotAssemble for the first file that is refused (kept as refused for that identity).
        Blocking.
        """
        found: dict[int, MediaFile] = {}
        wanted: list[int] = []
        for position, identity in enumerate(identities):
            media = self._from_memory(identity)
            if media is None:
                wanted.append(position)
            else:
                found[position] = media
        stored = self._select([identities[p].path for p in wanted]) if wanted else {}
        fresh: list[_Entry] = []
        try:
            for position in wanted:
                identity = identities[position]
                entry = stored.get(identity.path)
                if entry is None or entry.identity != identity:
                    entry = self._read_file(identity)
                    fresh.append(entry)
                else:
                    self._touch(identity.path)
                found[position] = self._parse(entry)
        finally:
            if fresh:
                self._store(fresh)
        self._maybe_flush_touches()
        return [found[position] for position in range(len(identities))]

    def _from_memory(self, identity: FileIdentity) -> MediaFile | None:
        with self._memory_lock:
            held = self._memory.get(identity.path)
            if held is None or held[0] != identity:
                return None
            self._memory.move_to_end(identity.path)
        self._touch(identity.path)
        return held[1]

    def _remember(self, media: MediaFile) -> None:
        size = _memory_size(media)
        path = media.identity.path
        with self._memory_lock:
            old = self._memory.pop(path, None)
            if old is not None:
                self._memory_total -= old[2]
            self._memory[path] = (media.identity, media, size)
            self._memory_total += size
            while self._memory_total > self.memory_bytes and self._memory:
                _, (_, _, dropped) = self._memory.popitem(last=False)
                self._memory_total -= dropped

    def _select(self, paths: list[str]) -> dict[str, _Entry]:
        result: dict[str, _Entry] = {}
        connection = self._reader()
        for start in range(0, len(paths), BATCH):
            batch = paths[start : start + BATCH]
            marks = ",".join("?" * len(batch))
            rows = connection.execute(
                f"SELECT path, size, mtime_ns, digest, refusal FROM tables WHERE path IN ({marks})",
                batch,
            ).fetchall()
            for path, size, mtime_ns, digest, refusal in rows:
                digest_bytes = zlib.decompress(digest) if digest is not None else None
                result[path] = _Entry(FileIdentity(path, size, mtime_ns), digest_bytes, refusal)
        return result

    def _read_file(self, identity: FileIdentity) -> _Entry:
        try:
            current, digest = read_digest(identity.path)
        except CannotAssemble as refused:
            if refused.reason == Reason.UNREADABLE:
                raise
            return _Entry(identity, None, f"{refused.reason}\n{refused.detail}")
        if current != identity:  # written again since the plan was made: use what is there now
            raise CannotAssemble(Reason.UNREADABLE, f"{identity.path} changed while being read")
        try:
            media = media_from_digest(identity, digest)
        except CannotAssemble as refused:
            return _Entry(identity, None, f"{refused.reason}\n{refused.detail}")
        self._remember(media)
        return _Entry(identity, digest, None)

    def _parse(self, entry: _Entry) -> MediaFile:
        if entry.digest is None:
            reason, _, detail = (entry.refusal or "").partition("\n")
            raise CannotAssemble(Reason(reason), detail)
        with self._memory_lock:
            held = self._memory.get(entry.identity.path)
        if held is not None and held[0] == entry.identity:
            return held[1]
        media = media_from_digest(entry.identity, entry.digest)
        self._remember(media)
        return media

    # -- writing (one writer at a time) ---------------------------------------------------

    def _store(self, entries: list[_Entry]) -> None:
        now = self.clock()
        rows = []
        for entry in entries:
            blob = zlib.compress(entry.digest, 6) if entry.digest is not None else None
            size = len(entry.identity.path) + (len(blob) if blob else len(entry.refusal or "")) + 64
            identity = entry.identity
            rows.append(
                (identity.path, identity.size, identity.mtime_ns, blob, entry.refusal, size, now)
            )
        with self._write_lock:
            connection = self._writer
            connection.execute("BEGIN IMMEDIATE")
            try:
                paths = [row[0] for row in rows]
                for start in range(0, len(paths), BATCH):
                    batch = paths[start : start + BATCH]
                    marks = ",".join("?" * len(batch))
                    old = connection.execute(
                        f"SELECT COALESCE(SUM(bytes), 0) FROM tables WHERE path IN ({marks})", batch
                    ).fetchone()
                    self._total -= int(old[0])
                connection.executemany(
                    "INSERT OR REPLACE INTO tables "
                    "(path, size, mtime_ns, digest, refusal, bytes, used) VALUES (?,?,?,?,?,?,?)",
                    rows,
                )
                self._total += sum(row[5] for row in rows)
                self._write_touches(connection)
                if self._total > self.max_bytes:
                    self._evict(connection)
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise

    def _evict(self, connection: sqlite3.Connection) -> None:
        """Drop least recently used entries until the index is under EVICT_TO of its bound."""
        goal = int(self.max_bytes * EVICT_TO)
        cursor = connection.execute("SELECT path, bytes FROM tables ORDER BY used ASC")
        doomed = []
        for path, size in cursor:
            if self._total <= goal:
                break
            doomed.append((path,))
            self._total -= int(size)
        cursor.close()
        connection.executemany("DELETE FROM tables WHERE path = ?", doomed)
        with self._memory_lock:
            for (path,) in doomed:
                held = self._memory.pop(path, None)
                if held is not None:
                    self._memory_total -= held[2]
        logger.info("sample index: evicted %d entries", len(doomed))

    def _touch(self, path: str) -> None:
        self._touched[path] = self.clock()  # a dict store: atomic under the GIL

    def _write_touches(self, connection: sqlite3.Connection) -> None:
        touched, self._touched = self._touched, {}
        if touched:
            connection.executemany(
                "UPDATE tables SET used = ? WHERE path = ?",
                [(used, path) for path, used in touched.items()],
            )
        self._flushed_at = self.clock()

    def _maybe_flush_touches(self) -> None:
        if not self._touched or self.clock() - self._flushed_at < TOUCH_FLUSH_SECONDS:
            return
        if not self._write_lock.acquire(blocking=False):
            return  # the writer is busy and will flush them with its own write
        try:
            self._writer.execute("BEGIN IMMEDIATE")
            try:
                self._write_touches(self._writer)
                self._writer.execute("COMMIT")
            except BaseException:
                self._writer.execute("ROLLBACK")
                raise
        finally:
            self._write_lock.release()

    def flush(self) -> None:
        """Write pending last-use times now (they are otherwise written every 30 s)."""
        self._flushed_at = float("-inf")
        self._maybe_flush_touches()

    # -- filling ahead of requests --------------------------------------------------------

    def index(self, paths: Iterable[str]) -> IndexReport:
        """Read and store the tables of every path not indexed yet. Blocking."""
        indexed = already = refused = missing = 0
        pending: list[_Entry] = []
        for path in paths:
            try:
                identity = identity_of(path)
            except CannotAssemble:
                missing += 1
                continue
            if self._from_memory(identity) is not None:
                already += 1
                continue
            stored = self._select([path]).get(path)
            if stored is not None and stored.identity == identity:
                already += 1
                continue
            try:
                entry = self._read_file(identity)
            except CannotAssemble:
                missing += 1
                continue
            pending.append(entry)
            if entry.digest is None:
                refused += 1
            else:
                indexed += 1
            if len(pending) >= BATCH:
                self._store(pending)
                pending = []
        if pending:
            self._store(pending)
        return IndexReport(indexed, already, refused, missing)

    def index_in_background(self, paths: Iterable[str]) -> Future[IndexReport]:
        """`index(paths)` on the index's own thread (one at a time, in call order)."""
        listed = list(paths)
        return self._background.submit(self.index, listed)

    def stats(self) -> IndexStats:
        row = self._reader().execute("SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM tables")
        entries, size = row.fetchone()
        return IndexStats(int(entries), int(size))

    def close(self) -> None:
        """Stop the background thread, write pending last-use times, close this thread's files."""
        self._background.shutdown(wait=True, cancel_futures=True)
        self.flush()
        with self._write_lock:
            self._writer.close()
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
