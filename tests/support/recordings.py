"""Recorded cameras for route tests: contiguous real segments in Frigate's layout, and roles."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.db import add_recording

T0 = 1_719_000_000.0  # 2024-06-21 20:00:00 UTC, a segment boundary
NOW = T0 + 86_400  # a day later: every test range is old enough for nginx-vod to cache
PROXY: dict[str, Any] = {
    "proxy": {"header_map": {"user": "x-forwarded-user", "role": "x-forwarded-role"}}
}
FRONT_ONLY = {"x-forwarded-user": "bob", "x-forwarded-role": "front_only"}


def record_segments(
    root: Path,
    clip_factory: Callable[..., Path],
    camera: str,
    start: float,
    count: int,
    *,
    gop_seconds: float = 2.0,
    seconds: float = 10.0,
) -> list[Path]:
    """`count` contiguous segments of `camera` from `start` (the pattern's clock runs on)."""
    db_path = root / "config" / "frigate.db"
    recordings = root / "media" / "recordings"
    paths = []
    for index in range(count):
        clip = clip_factory(seconds=seconds, gop_seconds=gop_seconds, offset=index * seconds)
        paths.append(
            add_recording(db_path, recordings, camera, start + index * seconds, clip, seconds)
        )
    return paths
