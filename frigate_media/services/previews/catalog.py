"""What previews exist: the UI's clip and frame lists, single preview frames."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Literal

from frigate_media import imaging
from frigate_media.context import AppContext
from frigate_media.errors import BadRequest, NotFound
from frigate_media.services.previews.frames import list_frames
from frigate_media.services.timeranges import finite_time
from frigate_media.storage.models import Previews

FRAME_JPEG_QUALITY = 70

FrameFormat = Literal["jpg", "webp"]


def ordered_times(start: float, end: float) -> tuple[float, float]:
    """Finite start and end with start <= end (the UI's list queries may be zero-length)."""
    finite_time(start, "start_ts")
    finite_time(end, "end_ts")
    if start > end:
        raise BadRequest("start_ts must not be after end_ts")
    return start, end


def _previews_rows(cameras: list[str], start: float, end: float) -> list[dict[str, Any]]:
    query: Any = (
        Previews.select(Previews.camera, Previews.path, Previews.start_time, Previews.end_time)
        .where(
            Previews.camera.in_(cameras)
            & (Previews.start_time <= end)
            & (Previews.end_time >= start)
        )
        .order_by(Previews.start_time.asc())
        .dicts()
    )
    return list(query)


async def list_previews(
    context: AppContext, cameras: list[str], start: float, end: float
) -> list[dict[str, Any]]:
    """Hourly previews of `cameras` overlapping [start, end] in Frigate's JSON shape.

    `src` is the path under the media root (`/clips/previews/<cam>/<s>-<e>.mp4`), which the UI
    fetches from the static /clips route. 404 when there are none, as Frigate answers.
    """
    ordered_times(start, end)
    rows = await context.run_db(_previews_rows, cameras, start, end) if cameras else []
    media_root = str(context.paths.media)
    clips = [
        {
            "camera": row["camera"],
            "src": str(row["path"]).removeprefix(media_root),
            "type": "video/mp4",
            "start": row["start_time"],
            "end": row["end_time"],
        }
        for row in rows
    ]
    if not clips:
        raise NotFound("No previews found.")
    return clips


async def frame_names(context: AppContext, camera: str, start: float, end: float) -> list[str]:
    """File names of `camera`'s cached preview frames in [start, end], oldest first."""
    ordered_times(start, end)
    frames = await asyncio.to_thread(list_frames, context.paths.preview_frames, camera, start, end)
    return [frame.name for frame in frames]


def _read_frame(path: Path, fmt: FrameFormat) -> bytes:
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise NotFound("Image file not found") from None
    if fmt == "webp":
        return data
    image = imaging.decode(data)
    if image is None:
        raise NotFound("Image file not found")
    return imaging.encode(image, "jpg", FRAME_JPEG_QUALITY)


async def frame_image(context: AppContext, file_name: str, fmt: FrameFormat) -> bytes:
    """One cached preview frame, in WebP as stored or re-encoded as JPEG.

    The caller has already validated the name (`preview_frames.camera_of_frame_name`).
    """
    directory = context.paths.preview_frames
    path = directory / file_name
    if not context.paths.is_inside(path, directory):
        raise BadRequest("Invalid preview filename")
    return await asyncio.to_thread(_read_frame, path, fmt)
