"""Preview frames in `<cache>/preview_frames/preview_<cam>-<ts>.webp`: finding and writing them."""

from __future__ import annotations

import math
import os
from pathlib import Path

from frigate_media import imaging
from frigate_media.frames.yuv import Array, to_rgb

PREVIEW_HEIGHT = 180
PREVIEW_QUALITY = 70
IDLE_INTERVAL = 4.0  # seconds between preview frames without motion
MOTION_INTERVAL = 1.0  # seconds between preview frames while there is motion
KEEP_SECONDS = 2 * 3600  # frames older than this are pruned (the hourly MP4 job has used them)
SUFFIX = ".webp"


def preview_frame_time(name: str, camera: str) -> float | None:
    """The time in a preview frame's file name if it belongs to `camera` exactly, else None.

    `preview_front-door-1.5.webp` is not `front`'s: the rest after the prefix must be a number.
    """
    prefix = f"preview_{camera}-"
    if not name.startswith(prefix) or not name.endswith(SUFFIX):
        return None
    text = name[len(prefix) : -len(SUFFIX)]
    if not text or not (text[0].isdigit()):
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def preview_frames(directory: Path, camera: str) -> list[tuple[float, Path]]:
    """This camera's preview frames, oldest first (blocking: lists a directory)."""
    found: list[tuple[float, Path]] = []
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                timestamp = preview_frame_time(entry.name, camera)
                if timestamp is not None:
                    found.append((timestamp, Path(entry.path)))
    except OSError:
        return []
    found.sort()
    return found


def most_recent_preview_frame(
    directory: Path, camera: str, before: float | None = None
) -> Path | None:
    """The newest preview frame of `camera` taken at or before `before` (blocking)."""
    for timestamp, path in reversed(preview_frames(directory, camera)):
        if before is None or timestamp <= before:
            return path
    return None


def preview_name(camera: str, timestamp: float) -> str:
    return f"preview_{camera}-{timestamp!r}{SUFFIX}"


def write_preview_frame(
    directory: Path, camera: str, frame: Array, width: int, height: int, timestamp: float
) -> Path:
    """Encode a 180-px-tall WebP of an I420 frame and move it into place atomically."""
    out_h = min(PREVIEW_HEIGHT, height)
    out_w = max(1, int(out_h * width / height))
    data = imaging.webp_rgb(imaging.resize(to_rgb(frame), out_w, out_h), PREVIEW_QUALITY)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / preview_name(camera, timestamp)
    # The temporary name never matches `preview_<cam>-*.webp`, so no reader sees half a file.
    temporary = directory / f".{target.name}.{os.getpid()}.tmp"
    temporary.write_bytes(data)
    os.replace(temporary, target)
    return target


def prune_preview_frames(directory: Path, camera: str, older_than: float) -> int:
    """Delete this camera's preview frames taken before `older_than`; returns how many."""
    removed = 0
    for timestamp, path in preview_frames(directory, camera):
        if timestamp >= older_than:
            break
        try:
            path.unlink()
            removed += 1
        except OSError:
            pass
    return removed
