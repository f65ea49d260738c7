"""Top-level ISO BMFF boxes: split a fragmented MP4 into its init part and its media part."""

from __future__ import annotations

from collections.abc import Iterator

from frigate_media.mp4.boxes import iter_boxes

INIT_BOXES = frozenset({b"ftyp", b"moov"})
MEDIA_BOXES = frozenset({b"moof", b"mdat"})


def top_level_boxes(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """(type, offset, size) of each top-level box; ValueError on a truncated or bad header."""
    for box in iter_boxes(data):
        yield box.kind, box.offset, box.size


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
