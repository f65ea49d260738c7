"""ISO BMFF box headers: walk the boxes of a buffer, or of a file without reading payloads."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, NamedTuple

HEADER = struct.Struct(">I4s")
LARGE_SIZE = struct.Struct(">Q")


class BoxError(ValueError):
    """A box header is truncated or names a size that does not fit."""


class Box(NamedTuple):
    """One box: its type, where its header starts, the header's length and the whole size."""

    kind: bytes
    offset: int
    header: int
    size: int

    @property
    def start(self) -> int:
        """Where the payload starts."""
        return self.offset + self.header

    @property
    def end(self) -> int:
        return self.offset + self.size


def iter_boxes(data: bytes | memoryview, start: int = 0, end: int | None = None) -> Iterator[Box]:
    """The boxes laid one after another in `data[start:end]`; BoxError on a bad header."""
    limit = len(data) if end is None else end
    offset = start
    while offset < limit:
        if limit - offset < HEADER.size:
            raise BoxError("truncated box header")
        size, kind = HEADER.unpack_from(data, offset)
        header = HEADER.size
        if size == 1:
            if limit - offset < header + LARGE_SIZE.size:
                raise BoxError("truncated large box header")
            (size,) = LARGE_SIZE.unpack_from(data, offset + header)
            header += LARGE_SIZE.size
        elif size == 0:  # the box runs to the end
            size = limit - offset
        if size < header or offset + size > limit:
            raise BoxError(f"bad size for box {bytes(kind)!r}")
        yield Box(bytes(kind), offset, header, size)
        offset += size


@dataclass(frozen=True)
class FileScan:
    """The top-level boxes of a file in order, and whether the last one ran past the end."""

    boxes: tuple[Box, ...]
    truncated: bool


def scan_file(handle: BinaryIO, file_size: int, *, max_boxes: int) -> FileScan:
    """Walk a file's top-level boxes reading only their headers. Blocking."""
    boxes: list[Box] = []
    offset = 0
    while offset < file_size and len(boxes) < max_boxes:
        handle.seek(offset)
        raw = handle.read(HEADER.size)
        if len(raw) < HEADER.size:
            return FileScan(tuple(boxes), truncated=True)
        size, kind = HEADER.unpack(raw)
        header = HEADER.size
        if size == 1:
            large = handle.read(LARGE_SIZE.size)
            if len(large) < LARGE_SIZE.size:
                return FileScan(tuple(boxes), truncated=True)
            (size,) = LARGE_SIZE.unpack(large)
            header += LARGE_SIZE.size
        elif size == 0:
            size = file_size - offset
        if size < header:
            return FileScan(tuple(boxes), truncated=True)
        boxes.append(Box(kind, offset, header, size))
        if offset + size > file_size:
            return FileScan(tuple(boxes), truncated=True)
        offset += size
    return FileScan(tuple(boxes), truncated=False)
