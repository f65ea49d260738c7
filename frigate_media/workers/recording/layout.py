"""Frigate's recording layout: final segment paths, cache segment names, row ids and sizes."""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# Frigate's const.py: a segment longer than this is corrupt and never stored.
MAX_SEGMENT_DURATION = 600.0
# Frigate keeps at most this many finished segments per camera waiting in the cache.
MAX_SEGMENTS_IN_CACHE = 6
# ffmpeg's strftime pattern for cache segment names (Frigate's CACHE_SEGMENT_FORMAT).
CACHE_SEGMENT_FORMAT = "%Y%m%d%H%M%S%z"

DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HOUR_DIR = re.compile(r"^\d{2}$")
SEGMENT_FILE = re.compile(r"^(\d{2})\.(\d{2})\.mp4$")
ID_ALPHABET = string.ascii_lowercase + string.digits


def recording_path(recordings: Path, camera: str, start: float) -> Path:
    """recordings/<UTC date>/<HH>/<camera>/<MM>.<SS>.mp4 for a segment starting at `start`."""
    moment = datetime.fromtimestamp(start, tz=UTC)
    return (
        recordings
        / moment.strftime("%Y-%m-%d")
        / moment.strftime("%H")
        / camera
        / moment.strftime("%M.%S.mp4")
    )


def start_from_layout(date_dir: str, hour_dir: str, file_name: str) -> float | None:
    """The UTC start time a path in Frigate's layout names, or None when a part is malformed."""
    match = SEGMENT_FILE.match(file_name)
    if not (DATE_DIR.match(date_dir) and HOUR_DIR.match(hour_dir) and match):
        return None
    try:
        moment = datetime.strptime(
            f"{date_dir} {hour_dir}:{match.group(1)}:{match.group(2)}", "%Y-%m-%d %H:%M:%S"
        )
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC).timestamp()


@dataclass(frozen=True)
class CacheSegment:
    """A segment ffmpeg wrote into the record cache, with the start time its name carries."""

    path: Path
    camera: str
    start: float


def cache_pattern(cache_dir: Path, camera: str) -> str:
    """The output name handed to ffmpeg's segment muxer (expanded with strftime)."""
    return str(cache_dir / f"{camera}@{CACHE_SEGMENT_FORMAT}.mp4")


def parse_cache_name(path: Path) -> CacheSegment | None:
    """`<camera>@<YYYYmmddHHMMSS+zzzz>.mp4` → its camera and start, or None for foreign names."""
    if path.suffix != ".mp4" or "@" not in path.stem:
        return None
    camera, stamp = path.stem.rsplit("@", 1)
    try:
        moment = datetime.strptime(stamp, CACHE_SEGMENT_FORMAT)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return CacheSegment(path=path, camera=camera, start=moment.timestamp())


def new_recording_id(start: float) -> str:
    """Frigate's id format: `<start epoch float>-<6 random [a-z0-9]>`."""
    return f"{start}-{''.join(random.choices(ID_ALPHABET, k=6))}"


def segment_size_mb(size_bytes: int) -> float:
    """Frigate stores segment_size in MiB rounded to two places."""
    return round(size_bytes / 2**20, 2)
