"""A birdseye still: every camera's latest frame tiled into one canvas, aspect kept."""

from __future__ import annotations

import math

import numpy as np

from frigate_media.frames.state import Frame
from frigate_media.frames.yuv import Array, to_bgr
from frigate_media.imaging import resize


def compose(frames: list[Frame], width: int, height: int) -> Array:
    """A `width` x `height` BGR canvas with the frames in a near-square grid (blocking)."""
    canvas = np.zeros((height, width, 3), np.uint8)
    if not frames:
        return canvas
    columns = math.ceil(math.sqrt(len(frames)))
    rows = math.ceil(len(frames) / columns)
    cell_w, cell_h = width // columns, height // rows
    for index, frame in enumerate(frames):
        scale = min(cell_w / frame.width, cell_h / frame.height)
        tile_w, tile_h = max(1, int(frame.width * scale)), max(1, int(frame.height * scale))
        tile = resize(to_bgr(frame.data), tile_w, tile_h)
        column, row = index % columns, index // columns
        x = column * cell_w + (cell_w - tile_w) // 2
        y = row * cell_h + (cell_h - tile_h) // 2
        canvas[y : y + tile_h, x : x + tile_w] = tile
    return canvas
