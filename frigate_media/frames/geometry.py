"""Polygons from Frigate's config (masks, zones) and boxes, scaled to a frame size."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

Box = tuple[int, int, int, int]  # x1, y1, x2, y2 in pixels


def parse_polygon(coordinates: str | list[str], width: int, height: int) -> npt.NDArray[np.int32]:
    """Points of one polygon 'x1,y1,x2,y2,...' in pixels; relative values (all <= 1) are scaled."""
    text = coordinates if isinstance(coordinates, str) else ",".join(coordinates)
    values: list[float] = []
    for part in text.split(","):
        part = part.strip()
        if part:
            values.append(float(part))
    if len(values) < 6 or len(values) % 2:
        return np.zeros((0, 2), np.int32)
    relative = all(0.0 <= v <= 1.0 for v in values) and any("." in p for p in text.split(","))
    points = np.array(values, dtype=np.float64).reshape(-1, 2)
    if relative:
        points[:, 0] *= width
        points[:, 1] *= height
    return points.round().astype(np.int32)


def polygons(value: str | list[str] | None, width: int, height: int) -> list[npt.NDArray[np.int32]]:
    """A mask setting is one polygon string or a list of them."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    result = []
    for item in items:
        try:
            points = parse_polygon(item, width, height)
        except ValueError:
            continue
        if len(points) >= 3:
            result.append(points)
    return result


def mask_image(value: str | list[str] | None, width: int, height: int) -> npt.NDArray[np.uint8]:
    """Frigate's mask convention: 255 where visible, 0 inside each mask polygon."""
    mask = np.full((height, width), 255, np.uint8)
    for points in polygons(value, width, height):
        cv2.fillPoly(mask, [points], 0)
    return mask


def zone_polygon(coordinates: str | list[str], width: int, height: int) -> npt.NDArray[np.int32]:
    """A zone's contour; a zone is given as one polygon, sometimes split into a list of 'x,y'."""
    try:
        return parse_polygon(coordinates, width, height)
    except ValueError:
        return np.zeros((0, 2), np.int32)


def clamp_box(box: Box, width: int, height: int) -> Box:
    x1, y1, x2, y2 = box
    return (
        max(0, min(x1, width - 1)),
        max(0, min(y1, height - 1)),
        max(0, min(x2, width - 1)),
        max(0, min(y2, height - 1)),
    )
