"""Directories of ours with a byte cap: room is reserved before a write, never found after it.

A `BoundedDirectory` owns the files of one cache (HLS segments, preview encodes, ...). A writer
first reserves the bytes it expects to write (`reserve`); the reservation evicts the least
recently used files that nobody is using until the cap holds, or refuses with 503 + Retry-After
when the request alone is larger than the cap or the cap is full of files in use. The writer
then writes temp files inside the directory and commits them under their names (a file that
came out larger than reserved must find room for the difference, or is dropped). A reader pins
the file it serves (`pin`) for as long as the response runs: a pinned file is never evicted.

Several directories can share a `ScratchBudget`, the cap of our whole scratch: a reservation
must fit under both, and the budget evicts the least recently used unpinned file among all of
its directories. Sizes are the files' own bytes (not disk blocks). All state is in memory,
rebuilt from the directory at start (`load`); each method is thread-safe, and the ones that
touch the disk (`load`, `reserve`, `commit`, `release`, `expire`) are blocking.
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from frigate_media.errors import Busy

logger = logging.getLogger(__name__)

TEMP_MARK = "tmp-"  # temp files are `<temp_prefix>tmp-<random><suffix>`
IN_USE_RETRY_SECONDS = 5  # full of files being served: they end soon
TOO_LARGE_RETRY_SECONDS = 60  # larger than the cap: only a smaller request or a new cap helps
MIB = 1024 * 1024


def mib(value: float) -> int:
    """Bytes of a size configured in MiB (fractions allowed, for small caps)."""
    return int(value * MIB)


@dataclass
class _Entry:
    size: int
    written: float  # the file's mtime
    used: float  # last reserve-commit or pin, wall clock
    pins: int = 0


@dataclass(frozen=True)
class CacheStats:
    """What a directory holds: files and their bytes, bytes reserved for writes, files in use."""

    files: int
    bytes: int
    reserved: int
    pinned: int


class ScratchBudget:
    """The byte cap shared by several bounded directories (our whole scratch dir)."""

    def __init__(self, max_bytes: int, *, setting: str | None = None) -> None:
        self.max_bytes = max_bytes
        self.setting = setting  # the config key that sets it, named when it refuses a request
        self.lock = threading.RLock()
        self.members: list[BoundedDirectory] = []

    def join(self, member: BoundedDirectory) -> None:
        with self.lock:
            self.members.append(member)

    def used(self) -> int:
        """Bytes held and reserved by every member."""
        with self.lock:
            return sum(member._used + member._reserved for member in self.members)


class Lease:
    """A file held in use (being served): never evicted until `release` (idempotent)."""

    def __init__(self, owner: BoundedDirectory, name: str) -> None:
        self.owner = owner
        self.name = name
        self.path = owner.directory / name
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self.owner._unpin(self.name)


class Reservation:
    """Bytes set aside for files about to be written; what is not used returns on `release`."""

    def __init__(self, owner: BoundedDirectory, size: int) -> None:
        self.owner = owner
        self.remaining = size
        self._temps: list[Path] = []
        self._released = False

    def temp_path(self, suffix: str = "") -> Path:
        """A fresh temp file name inside the directory (the directory is created if needed)."""
        self.owner.directory.mkdir(parents=True, exist_ok=True)
        name = f"{self.owner.temp_prefix}{TEMP_MARK}{secrets.token_hex(8)}{suffix}"
        path = self.owner.directory / name
        self._temps.append(path)
        return path

    def commit(self, temp: Path, name: str) -> Path:
        """Rename a written temp file to `name`, counted against this reservation.

        A file larger than what remains reserved must find room for the difference (503
        otherwise, and the file is removed). Blocking.
        """
        return self.owner._commit(self, temp, name)

    def write_bytes(self, name: str, data: bytes) -> Path:
        """Write `data` as `name` (temp file + rename). Blocking."""
        temp = self.temp_path()
        temp.write_bytes(data)
        return self.commit(temp, name)

    def release(self) -> None:
        """Remove temp files left behind and return the unused bytes. Blocking; idempotent."""
        for temp in self._temps:
            temp.unlink(missing_ok=True)
        self._temps.clear()
        if not self._released:
            self._released = True
            self.owner._return(self)

    def __enter__(self) -> Reservation:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.release()


class BoundedDirectory:
    """The files of one cache, at most `max_bytes` in total (see the module docstring).

    `accepts` picks the directory's own files by name (a directory shared with others, such
    as Frigate's cache root for preview MP4s behind its nginx, holds files that are not ours);
    temp files start with `temp_prefix` followed by `tmp-`. `setting` is the config key of the
    cap, named when a request alone is larger than it.
    """

    def __init__(
        self,
        directory: Path,
        *,
        max_bytes: int,
        name: str,
        budget: ScratchBudget | None = None,
        accepts: Callable[[str], bool] | None = None,
        temp_prefix: str = ".",
        setting: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.name = name
        self.setting = setting
        self.budget = budget
        self.accepts = accepts or (lambda _name: True)
        self.temp_prefix = temp_prefix
        self.clock = clock
        self._lock = budget.lock if budget is not None else threading.RLock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()  # least recently used first
        self._used = 0
        self._reserved = 0
        if budget is not None:
            budget.join(self)

    # -- state -----------------------------------------------------------------------------

    def load(self) -> None:
        """Index the files already there (oldest first), drop stale temp files, evict to the cap.

        Blocking; the composition root calls it once at start.
        """
        found: list[tuple[float, str, int]] = []
        try:
            scanned = list(os.scandir(self.directory))
        except FileNotFoundError:
            scanned = []
        for item in scanned:
            if item.name.startswith(self.temp_prefix + TEMP_MARK):
                with contextlib.suppress(OSError):
                    os.unlink(item.path)
                continue
            if not self.accepts(item.name):
                continue
            try:
                if not item.is_file(follow_symlinks=False):
                    continue
                stat = item.stat(follow_symlinks=False)
            except OSError:
                continue
            found.append((stat.st_mtime, item.name, stat.st_size))
        found.sort()
        with self._lock:
            for mtime, name, size in found:
                self._entries[name] = _Entry(size=size, written=mtime, used=mtime)
                self._used += size
            victims = self._plan(0)
            if victims is None:  # cannot happen (nothing is pinned yet); keep what is there
                victims = []
            self._drop(victims)
        if victims:
            logger.info("%s cache: %d files over the cap removed at start", self.name, len(victims))

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(
                files=len(self._entries),
                bytes=self._used,
                reserved=self._reserved,
                pinned=sum(1 for entry in self._entries.values() if entry.pins),
            )

    def path(self, name: str) -> Path:
        return self.directory / name

    def contains(self, name: str) -> bool:
        with self._lock:
            return name in self._entries

    def written_at(self, name: str) -> float | None:
        """The mtime of a cached file, or None when it is not cached."""
        with self._lock:
            entry = self._entries.get(name)
            return None if entry is None else entry.written

    # -- readers ---------------------------------------------------------------------------

    def pin(self, name: str) -> Lease | None:
        """Hold a cached file for serving (and mark it used); None when it is not cached.

        Memory only: cheap enough for the event loop.
        """
        with self._lock:
            entry = self._entries.get(name)
            if entry is None:
                return None
            entry.pins += 1
            entry.used = self.clock()
            self._entries.move_to_end(name)
        return Lease(self, name)

    def _unpin(self, name: str) -> None:
        with self._lock:
            entry = self._entries.get(name)
            if entry is not None and entry.pins > 0:
                entry.pins -= 1

    # -- writers ---------------------------------------------------------------------------

    def reserve(self, size: int) -> Reservation:
        """Set aside `size` bytes, evicting unpinned files least recently used first. Blocking.

        Busy (503 + Retry-After) when `size` alone exceeds the cap, or when files in use and
        other writes leave no room now.
        """
        size = max(0, size)
        limit, setting = self._limit()
        if size > limit:
            named = f", {setting}" if setting else ""
            raise Busy(
                f"The request needs {size} bytes of the {self.name} cache, more than its cap "
                f"({limit} bytes{named})",
                retry_after=TOO_LARGE_RETRY_SECONDS,
            )
        with self._lock:
            victims = self._plan(size)
            if victims is None:
                raise Busy(
                    f"The {self.name} cache is full of files in use; try again shortly",
                    retry_after=IN_USE_RETRY_SECONDS,
                )
            self._drop(victims)
            self._reserved += size
        return Reservation(self, size)

    def _limit(self) -> tuple[int, str | None]:
        """The cap a single request must fit under, and the config key that sets it."""
        if self.budget is None or self.max_bytes <= self.budget.max_bytes:
            return self.max_bytes, self.setting
        return self.budget.max_bytes, self.budget.setting

    def _commit(self, reservation: Reservation, temp: Path, name: str) -> Path:
        target = self.directory / name
        try:
            stat = temp.stat()
        except OSError:
            raise Busy(f"The {self.name} cache lost a file being written") from None
        size = stat.st_size
        with self._lock:
            extra = size - reservation.remaining
            if extra > 0:
                victims = self._plan(extra, keep=name)
                if victims is None:
                    temp.unlink(missing_ok=True)
                    raise Busy(
                        f"A file came out larger than the room reserved in the {self.name} cache",
                        retry_after=IN_USE_RETRY_SECONDS,
                    )
                self._drop(victims)
                self._reserved += extra
                reservation.remaining += extra
            os.replace(temp, target)
            reservation.remaining -= size
            self._reserved -= size
            entry = self._entries.get(name)
            now = self.clock()
            if entry is None:
                self._entries[name] = _Entry(size=size, written=stat.st_mtime, used=now)
            else:  # replaced: a reader of the old file keeps its open inode
                self._used -= entry.size
                entry.size, entry.written, entry.used = size, stat.st_mtime, now
                self._entries.move_to_end(name)
            self._used += size
        return target

    def _return(self, reservation: Reservation) -> None:
        with self._lock:
            self._reserved -= reservation.remaining
            reservation.remaining = 0

    # -- eviction --------------------------------------------------------------------------

    def expire(
        self, *, unused_before: float | None = None, written_before: float | None = None
    ) -> int:
        """Remove unpinned files last used (or written) before a time; how many. Blocking."""
        with self._lock:
            victims = [
                (self, name)
                for name, entry in self._entries.items()
                if not entry.pins
                and (
                    (unused_before is not None and entry.used < unused_before)
                    or (written_before is not None and entry.written < written_before)
                )
            ]
            self._drop(victims)
        return len(victims)

    def _unpinned(self, skip: str | None = None) -> Iterator[tuple[float, int, str]]:
        for name, entry in self._entries.items():
            if not entry.pins and name != skip:
                yield entry.used, id(self), name

    def _plan(
        self, size: int, keep: str | None = None
    ) -> list[tuple[BoundedDirectory, str]] | None:
        """The files to evict so `size` more bytes fit under this cap and the budget's; None
        when unpinned files are not enough. Called with the lock held."""
        victims: list[tuple[BoundedDirectory, str]] = []
        chosen: set[tuple[int, str]] = set()
        excess = self._used + self._reserved + size - self.max_bytes
        freed = 0
        for _, _, name in self._unpinned(keep):
            if excess - freed <= 0:
                break
            victims.append((self, name))
            chosen.add((id(self), name))
            freed += self._entries[name].size
        if excess - freed > 0:
            return None
        if self.budget is None:
            return victims
        total_excess = self.budget.used() + size - freed - self.budget.max_bytes
        members = {id(member): member for member in self.budget.members}
        candidates = heapq.merge(*(member._unpinned(keep) for member in self.budget.members))
        for _, member_id, name in candidates:
            if total_excess <= 0:
                break
            if (member_id, name) in chosen:
                continue
            member = members[member_id]
            victims.append((member, name))
            total_excess -= member._entries[name].size
        return victims if total_excess <= 0 else None

    @staticmethod
    def _drop(victims: list[tuple[BoundedDirectory, str]]) -> None:
        """Forget and delete the victims (with the lock held, so a name being rewritten is
        never deleted after its new file lands)."""
        for member, name in victims:
            entry = member._entries.pop(name, None)
            if entry is None:
                continue
            member._used -= entry.size
            with contextlib.suppress(OSError):
                os.unlink(member.directory / name)
