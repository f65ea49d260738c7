"""A look at an MP4's top-level boxes: is the index up front, and is the file complete?"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

HEADER = struct.Struct(">I4s")
LARGE_SIZE = struct.Struct(">Q")
MAX_BOXES = 10_000  # a real segment has a handful; stop on garbage that looks like boxes


@dataclass(frozen=True)
class BoxLayout:
    """The top-level box types in file order, and whether the last box ran past the end."""

    types: tuple[str, ...]
    truncated: bool

    @property
    def faststart(self) -> bool:
        """True when `moov` comes before `mdat`, so players read the index first."""
        if "moov" not in self.types:
            return False
        return "mdat" not in self.types or self.types.index("moov") < self.types.index("mdat")

    @property
    def complete(self) -> bool:
        """Every box fits inside the file and both the index and the media are there."""
        return not self.truncated and "moov" in self.types and "mdat" in self.types


def read_boxes(path: Path) -> BoxLayout:
    """Walk the top-level boxes without reading their payloads. Blocking."""
    types: list[str] = []
    with path.open("rb") as handle:
        file_size = os.fstat(handle.fileno()).st_size
        offset = 0
        while offset < file_size and len(types) < MAX_BOXES:
            handle.seek(offset)
            header = handle.read(HEADER.size)
            if len(header) < HEADER.size:
                return BoxLayout(tuple(types), truncated=True)
            size, kind = HEADER.unpack(header)
            header_size = HEADER.size
            if size == 1:
                large = handle.read(LARGE_SIZE.size)
                if len(large) < LARGE_SIZE.size:
                    return BoxLayout(tuple(types), truncated=True)
                (size,) = LARGE_SIZE.unpack(large)
                header_size += LARGE_SIZE.size
            elif size == 0:  # the box runs to the end of the file
                size = file_size - offset
            if size < header_size:
                return BoxLayout(tuple(types), truncated=True)
            types.append(kind.decode("latin-1"))
            if offset + size > file_size:
                return BoxLayout(tuple(types), truncated=True)
            offset += size
    return BoxLayout(tuple(types), truncated=False)
