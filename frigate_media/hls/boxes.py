"""Top-level ISO BMFF boxes: split a fragmented MP4 into its init part and its media part."""

from __future__ import annotations

import struct
from collections.abc import Iterator

INIT_BOXES = frozenset({b"ftyp", b"moov"})
MEDIA_BOXES = frozenset({b"moof", b"mdat"})


def top_level_boxes(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """(type, offset, size) of each top-level box; ValueError on a truncated or bad header."""
    offset = 0
    length = len(data)
    while offset < length:
        if length - offset < 8:
            raise ValueError("truncated box header")
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:
            if length - offset < 16:
                raise ValueError("truncated large box header")
            (size,) = struct.unpack_from(">Q", data, offset + 8)
            header = 16
        elif size == 0:
            size = length - offset
        if size < header or offset + size > length:
            raise ValueError(f"bad size for box {kind!r}")
        yield kind, offset, size
        offset += size


def split_fragmented(data: bytes) -> tuple[bytes, bytes]:
    """(ftyp+moov, every moof+mdat) of a fragmented MP4; trailing mfra and the rest dropped."""
    init = bytearray()
    media = bytearray()
    for kind, offset, size in top_level_boxes(data):
        if kind in INIT_BOXES:
            init += data[offset : offset + size]
        elif kind in MEDIA_BOXES:
            media += data[offset : offset + size]
    return bytes(init), bytes(media)
