"""The region grid (`regions.grid`) drawn over a camera's live frame, as Frigate's grid.jpg."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import cv2
import numpy as np

from frigate_media import imaging
from frigate_media.context import AppContext
from frigate_media.errors import BadRequest, NotFound, UpstreamFailed
from frigate_media.frames.processor import FrameProcessor
from frigate_media.frames.state import Frame
from frigate_media.frames.yuv import to_bgr
from frigate_media.storage.models import Regions

GRID_QUALITY = 70
COLORS = {
    "red": (0, 0, 255),
    "blue": (255, 0, 0),
    "black": (0, 0, 0),
    "white": (255, 255, 255),
}
GREEN = (0, 255, 0)
MAX_FONT_SCALE = 10.0


def _load_grid(camera: str) -> Any:
    row = Regions.get_or_none(Regions.camera == camera)
    return None if row is None else row.grid


def _cell_number(cell: dict[str, Any], key: str) -> float:
    value = cell.get(key, 0)
    return float(value) if isinstance(value, int | float) else 0.0


def draw_grid(
    frame: Frame, grid: list[list[dict[str, Any]]], color: str, font_scale: float
) -> bytes:
    """Frigate's drawing: each non-empty cell boxed, with count, std and mean (blocking)."""
    image = np.ascontiguousarray(to_bgr(frame.data))
    width, height = frame.width, frame.height
    draw_color = COLORS.get(color.lower(), GREEN)
    size = len(grid)
    coef = 1.0 / size
    for x in range(size):
        column = grid[x] if isinstance(grid[x], list) else []
        for y in range(min(size, len(column))):
            cell = column[y]
            if not isinstance(cell, dict) or not cell.get("sizes"):
                continue
            std_dev = round(_cell_number(cell, "std_dev") * width, 2)
            mean = round(_cell_number(cell, "mean") * width, 2)
            left, top = int(x * coef * width), int(y * coef * height)
            cv2.rectangle(
                image,
                (left, top),
                (int((x + 1) * coef * width), int((y + 1) * coef * height)),
                draw_color,
                2,
            )
            for text, offset in (
                (f"#: {len(cell['sizes'])}", 0.02),
                (f"std: {std_dev}", 0.05),
                (f"avg: {mean}", 0.08),
            ):
                cv2.putText(
                    image,
                    text,
                    (left + 10, int((y * coef + offset) * height)),
                    cv2.FONT_HERSHEY_SIMPLEX,
                    font_scale,
                    draw_color,
                    2,
                )
    return imaging.encode(image, "jpg", GRID_QUALITY)


async def grid_snapshot(
    context: AppContext, processor: FrameProcessor, camera_name: str, color: str, font_scale: float
) -> bytes:
    """grid.jpg: 404 when there is no grid (Frigate: 500), 502 when the camera is offline."""
    if not math.isfinite(font_scale) or not 0 < font_scale <= MAX_FONT_SCALE:
        raise BadRequest(f"Invalid font_scale: {font_scale} (use a number above 0, up to 10)")
    context.camera(camera_name)
    frame = processor.current_frame(camera_name)
    if frame is None or processor.is_offline(camera_name):
        raise UpstreamFailed("Unable to get valid frame")
    grid = await context.run_db(_load_grid, camera_name)
    if not isinstance(grid, list) or not grid:
        raise NotFound("Unable to get region grid")
    return await asyncio.to_thread(draw_grid, frame, grid, color, font_scale)
