"""The cached preview frames of the current hour: `preview_frames/preview_<cam>-<ts>.webp`.

Names are parsed, never compared as strings: Frigate's string comparison let camera `front`
pick up `front-door` frames and mis-ordered timestamps of different lengths.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from frigate_media.errors import BadRequest, Forbidden, NotFound

FRAME_PREFIX = "preview_"
FRAME_EXTENSION = "webp"
MAX_FILE_NAME = 1000


@dataclass(frozen=True, order=True)
class PreviewFrame:
    """One cached frame: when it was taken and where it is."""

    time: float
    path: Path

    @property
    def name(self) -> str:
        return self.path.name


def frame_name(camera: str, frame_time: float) -> str:
    """Frigate's name for a frame: the float's repr after the dash."""
    return f"{FRAME_PREFIX}{camera}-{frame_time}.{FRAME_EXTENSION}"


def parse_frame_time(name: str, camera: str) -> float | None:
    """The time in `name` when it is one of `camera`'s frames, else None."""
    prefix = f"{FRAME_PREFIX}{camera}-"
    suffix = f".{FRAME_EXTENSION}"
    if not name.startswith(prefix) or not name.endswith(suffix):
        return None
    text = name[len(prefix) : -len(suffix)]
    try:
        value = float(text)
    except ValueError:
        return None  # e.g. `front-door-...` when asked for `front`
    return value if math.isfinite(value) else None


def list_frames(
    directory: Path, camera: str, start: float = -math.inf, end: float = math.inf
) -> list[PreviewFrame]:
    """`camera`'s frames with start <= time <= end, oldest first (blocking: a directory scan).

    Raises NotFound when the frames directory does not exist.
    """
    frames: list[PreviewFrame] = []
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                frame_time = parse_frame_time(entry.name, camera)
                if frame_time is None or not start <= frame_time <= end:
                    continue
                frames.append(PreviewFrame(frame_time, Path(entry.path)))
    except (FileNotFoundError, NotADirectoryError):
        raise NotFound("Preview not found") from None
    frames.sort()
    return frames


def camera_of_frame_name(file_name: str) -> str:
    """The camera a preview file name belongs to, as Frigate derives it; 400 if malformed.

    `preview_<camera>-<ts>.<ext>`: strip the prefix, the extension (last `.`) and the
    timestamp (last `-`).
    """
    if len(file_name) > MAX_FILE_NAME:
        raise Forbidden(f"Filename exceeded max length of {MAX_FILE_NAME}")
    unsafe = "/" in file_name or "\\" in file_name or "\x00" in file_name or ".." in file_name
    if unsafe or not file_name.startswith(FRAME_PREFIX):
        raise BadRequest("Invalid preview filename")
    stem = file_name[len(FRAME_PREFIX) :].rsplit(".", 1)[0]
    camera = stem.rsplit("-", 1)[0]
    if not camera or "-" not in stem:
        raise BadRequest("Invalid preview filename")
    return camera
