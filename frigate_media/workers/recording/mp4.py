"""A look at an MP4's top-level boxes: is the index up front, and is the file complete?"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from frigate_media.mp4.boxes import scan_file

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
    with path.open("rb") as handle:
        scan = scan_file(handle, os.fstat(handle.fileno()).st_size, max_boxes=MAX_BOXES)
    return BoxLayout(tuple(box.kind.decode("latin-1") for box in scan.boxes), scan.truncated)
