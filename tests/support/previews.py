"""Preview media for tests: cached WebP frames named as Frigate does, hourly preview rows."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterable
from pathlib import Path

import av
from PIL import Image

from frigate_media.services.previews.frames import frame_name
from tests.support.db import insert

HOUR = 3600.0
# An hour boundary well inside the plausible range the API accepts.
T0 = 1_700_000_000.0 - (1_700_000_000.0 % HOUR)


def write_frames(
    directory: Path, camera: str, times: Iterable[float], size: tuple[int, int] = (320, 180)
) -> list[Path]:
    """Small WebP frames (a different colour each) at `times`, as the live preview writer does."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, frame_time in enumerate(times):
        colour = ((index * 40) % 256, (index * 90) % 256, (255 - index * 30) % 256)
        path = directory / frame_name(camera, frame_time)
        Image.new("RGB", size, colour).save(path, "WEBP", quality=80)
        paths.append(path)
    return paths


def add_preview(
    db_path: Path, previews_dir: Path, camera: str, start: float, end: float, source: Path
) -> Path:
    """Put `source` where Frigate keeps hourly previews and insert its `previews` row."""
    target = previews_dir / camera / f"{start}-{end}.mp4"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    insert(
        db_path,
        "previews",
        {
            "id": f"{camera}_{end}",
            "camera": camera,
            "path": str(target),
            "start_time": start,
            "end_time": end,
            "duration": end - start,
        },
    )
    return target


def gif_info(content: bytes) -> tuple[int, int | None, tuple[int, int]]:
    """(frame count, loop value, size) of a GIF."""
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "GIF"
        return image.n_frames, image.info.get("loop"), image.size


def mp4_info(path_or_bytes: Path | bytes) -> tuple[str, float, int, int]:
    """(codec, duration s, width, height) of an MP4, read with PyAV."""
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else str(path_or_bytes)
    with av.open(source) as container:
        video = container.streams.video[0]
        duration = float(container.duration or 0) / av.time_base
        return (
            video.codec_context.name,
            duration,
            video.codec_context.width,
            video.codec_context.height,
        )


def decoded_frames(path: Path) -> int:
    """How many video frames PyAV decodes from `path` (a playable file has some)."""
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))
