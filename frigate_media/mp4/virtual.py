"""A virtual MP4: its header bytes in memory, its media as byte ranges of the source files.

Any byte range is produced by reading only the source bytes it covers, in chunks of at most
`CHUNK_BYTES`; nothing is copied to disk. Reading is blocking: call it from a thread.
"""

from __future__ import annotations

import bisect
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field

from frigate_media.errors import NotFound, RangeNotSatisfiable, UpstreamFailed
from frigate_media.file_identity import FileIdentity

CHUNK_BYTES = 1024 * 1024
RANGE_BYTES = 160  # what one SourceRange costs in memory, about


@dataclass(frozen=True)
class SourceRange:
    """Bytes [start, stop) of one source file, which must still have `identity`."""

    identity: FileIdentity
    start: int
    stop: int

    @property
    def length(self) -> int:
        return self.stop - self.start


@dataclass(frozen=True, eq=False)
class VirtualMp4:
    """`header` (ftyp + moov + mdat header) followed by `ranges` of the sources, in order."""

    header: bytes
    ranges: tuple[SourceRange, ...]
    etag: str  # a quoted strong ETag, ready for the header
    duration: float  # seconds presented
    has_audio: bool
    _starts: tuple[int, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        starts, position = [], len(self.header)
        for source in self.ranges:
            starts.append(position)
            position += source.length
        object.__setattr__(self, "_starts", tuple(starts))

    @property
    def size(self) -> int:
        if not self.ranges:
            return len(self.header)
        return self._starts[-1] + self.ranges[-1].length

    def check_range(self, start: int, end: int) -> None:
        """RangeNotSatisfiable unless 0 <= start < end <= size."""
        if not 0 <= start < end <= self.size:
            raise RangeNotSatisfiable(self.size)

    def read(self, start: int, end: int) -> bytes:
        """Bytes [start, end) in one piece: for small ranges. Blocking."""
        return b"".join(self.iter_range(start, end))

    def iter_range(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes [start, end) as chunks of at most CHUNK_BYTES. Blocking: iterate on a thread.

        A source file that is gone or rewritten since the plan raises NotFound / UpstreamFailed.
        """
        end = self.size if end is None else end
        self.check_range(start, end)
        position = start
        header = len(self.header)
        while position < min(end, header):
            stop = min(end, header, position + CHUNK_BYTES)
            yield self.header[position:stop]
            position = stop
        index = bisect.bisect_right(self._starts, position) - 1
        while position < end:
            source, base = self.ranges[index], self._starts[index]
            stop = min(end, base + source.length)
            yield from _read_source(source, position - base, stop - base)
            position = stop
            index += 1


def _read_source(source: SourceRange, first: int, last: int) -> Iterator[bytes]:
    """Bytes [first, last) of the range, relative to its start, in chunks."""
    identity = source.identity
    try:
        descriptor = os.open(identity.path, os.O_RDONLY)
    except FileNotFoundError:
        raise NotFound(f"Recording is gone: {os.path.basename(identity.path)}") from None
    except OSError as error:
        raise UpstreamFailed(f"Cannot read {os.path.basename(identity.path)}: {error}") from None
    try:
        stat = os.fstat(descriptor)
        if (stat.st_size, stat.st_mtime_ns) != (identity.size, identity.mtime_ns):
            raise UpstreamFailed(f"Recording changed: {os.path.basename(identity.path)}")
        position = source.start + first
        stop = source.start + last
        while position < stop:
            chunk = os.pread(descriptor, min(CHUNK_BYTES, stop - position), position)
            if not chunk:
                raise UpstreamFailed(f"Recording shrank: {os.path.basename(identity.path)}")
            yield chunk
            position += len(chunk)
    finally:
        os.close(descriptor)


class RecentClips:
    """Virtual MP4s assembled lately, by ETag, at most `max_bytes` of them in memory.

    A player asks one clip many times (the first bytes, then a Range per seek): the same plan
    over the same files has the same ETag, so those requests skip the assembly. A clip larger
    than a quarter of the bound is not kept. Thread-safe.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._held: OrderedDict[str, tuple[VirtualMp4, int]] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    @staticmethod
    def weight(virtual: VirtualMp4) -> int:
        return len(virtual.header) + RANGE_BYTES * len(virtual.ranges)

    def get(self, etag: str) -> VirtualMp4 | None:
        with self._lock:
            held = self._held.get(etag)
            if held is None:
                return None
            self._held.move_to_end(etag)
            return held[0]

    def put(self, virtual: VirtualMp4) -> None:
        weight = self.weight(virtual)
        if weight > self.max_bytes // 4:
            return
        with self._lock:
            old = self._held.pop(virtual.etag, None)
            if old is not None:
                self._total -= old[1]
            self._held[virtual.etag] = (virtual, weight)
            self._total += weight
            while self._total > self.max_bytes:
                _, (_, dropped) = self._held.popitem(last=False)
                self._total -= dropped
