"""Render an ended event's snapshot from its clean copy and its row, as Frigate does since 0.17."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from frigate_media import imaging
from frigate_media.config import SnapshotsConfig, TimestampStyleConfig
from frigate_media.frames.draw import calculate_region, draw_box_with_label, draw_timestamp
from frigate_media.services.events.records import EventRecord

Box = tuple[int, int, int, int]
CROP_REGION = 300
CROP_MULTIPLIER = 1.1
OVERLAY_COLOR = (255, 0, 0)


@dataclass(frozen=True)
class SnapshotSettings:
    """What to draw on a snapshot and how to encode it."""

    timestamp: bool
    bounding_box: bool
    crop: bool
    height: int | None
    quality: int | None

    @property
    def is_plain(self) -> bool:
        """Nothing to draw, crop or resize: the stored image is the answer."""
        return not (self.timestamp or self.bounding_box or self.crop or self.height)


def resolve_settings(
    config: SnapshotsConfig,
    *,
    timestamp: int | None,
    bbox: int | None,
    crop: int | None,
    height: int | None,
    quality: int | None,
) -> SnapshotSettings:
    """Each absent query parameter falls back to the camera's `snapshots` config."""
    return SnapshotSettings(
        timestamp=config.timestamp if timestamp is None else bool(timestamp),
        bounding_box=config.bounding_box if bbox is None else bool(bbox),
        crop=config.crop if crop is None else bool(crop),
        height=config.height if height is None else (height or None),
        quality=config.quality if quality is None else quality,
    )


def finite_box(box: Any) -> tuple[float, float, float, float] | None:
    """A relative [x, y, w, h] as four finite floats clamped to [-1, 2] (a box far off the frame
    is no bigger than the frame), or None when it is not one."""
    if not isinstance(box, list | tuple) or len(box) != 4:
        return None
    try:
        values = [float(v) for v in box]
    except (TypeError, ValueError, OverflowError):
        return None
    if not all(math.isfinite(v) for v in values):
        return None
    x, y, w, h = (min(2.0, max(-1.0, v)) for v in values)
    return x, y, w, h


def relative_box(shape: tuple[int, ...], box: Any) -> Box | None:
    """A relative [x, y, w, h] box in pixels of `shape`, clamped inside the frame."""
    values = finite_box(box)
    if values is None:
        return None
    x, y, w, h = values
    frame_h, frame_w = int(shape[0]), int(shape[1])
    x_min = max(0, min(frame_w - 1, int(x * frame_w)))
    y_min = max(0, min(frame_h - 1, int(y * frame_h)))
    x_max = max(x_min + 1, min(frame_w - 1, x_min + int(w * frame_w)))
    y_max = max(y_min + 1, min(frame_h - 1, y_min + int(h * frame_h)))
    return (x_min, y_min, x_max, y_max)


def _percent(score: Any) -> str:
    value = float(score or 0)
    return f"{int(value * 100)}%" if value <= 1 else f"{int(value)}%"


def _score(event: EventRecord) -> float:
    for key in ("score", "top_score"):
        value = event.data.get(key)
        if isinstance(value, int | float):
            return float(value)
    return event.top_score or event.score or 0.0


def _object_info(event: EventRecord, box: Box) -> str:
    area = event.data.get("snapshot_area")
    if not isinstance(area, int | float):
        area = (box[2] - box[0]) * (box[3] - box[1])
    info = f"{_percent(_score(event))} {int(area)}"
    speed = event.data.get("snapshot_estimated_speed", event.data.get("average_estimated_speed"))
    if isinstance(speed, int | float) and speed:
        info += f" {float(speed):.1f}"
    return info


def _draw_boxes(
    image: imaging.Image, event: EventRecord, box: Box | None, color: tuple[int, int, int]
) -> None:
    if box is not None:
        draw_box_with_label(image, *box, event.label, _object_info(event, box), 2, color)
        for attribute in event.data.get("attributes") or []:
            if not isinstance(attribute, dict):
                continue
            attribute_box = relative_box(image.shape, attribute.get("box"))
            if attribute_box is None:
                continue
            area = (attribute_box[2] - attribute_box[0]) * (attribute_box[3] - attribute_box[1])
            info = f"{_percent(attribute.get('score', 0))} {area}"
            name = str(attribute.get("label", "attribute"))
            draw_box_with_label(image, *attribute_box, name, info, 2, color)
    for overlay_box, overlay_color, score in overlay_boxes(image.shape, event):
        area = (overlay_box[2] - overlay_box[0]) * (overlay_box[3] - overlay_box[1])
        info = f"{_percent(score)} {area}" if score is not None else f"- {area}"
        draw_box_with_label(image, *overlay_box, event.label, info, 2, overlay_color)


def overlay_boxes(
    shape: tuple[int, ...], event: EventRecord
) -> list[tuple[Box, tuple[int, int, int], Any]]:
    """The extra boxes of a manual event (`data.draw.boxes`), in pixels, with colour and score."""
    draw = event.data.get("draw")
    boxes = draw.get("boxes") if isinstance(draw, dict) else None
    found: list[tuple[Box, tuple[int, int, int], Any]] = []
    for entry in boxes if isinstance(boxes, list) else []:
        if not isinstance(entry, dict):
            continue
        box = relative_box(shape, entry.get("box"))
        if box is None:
            continue
        raw = entry.get("color")
        color = OVERLAY_COLOR
        if isinstance(raw, list | tuple) and len(raw) == 3:
            try:
                color = (int(raw[0]), int(raw[1]), int(raw[2]))
            except (TypeError, ValueError):
                color = OVERLAY_COLOR
        found.append((box, color, entry.get("score")))
    return found


def render(
    image: imaging.Image,
    event: EventRecord,
    settings: SnapshotSettings,
    *,
    clean: bool,
    style: TimestampStyleConfig,
    color: tuple[int, int, int],
    ext: str = "jpg",
) -> bytes:
    """The snapshot with box, crop, height and timestamp applied, encoded. Blocking (OpenCV).

    A legacy annotated image (`clean` false) already carries its drawings: only height and
    quality apply to it.
    """
    frame = image.copy()
    source_height = int(frame.shape[0])
    box = relative_box(frame.shape, event.data.get("box"))
    crop_box = box
    if crop_box is None:
        extra = overlay_boxes(frame.shape, event)
        crop_box = extra[0][0] if len(extra) == 1 else None
    if clean and settings.bounding_box:
        _draw_boxes(frame, event, box, color)
    if clean and settings.crop and crop_box is not None:
        x1, y1, x2, y2 = calculate_region(
            frame.shape, *crop_box, CROP_REGION, multiplier=CROP_MULTIPLIER
        )
        frame = frame[y1:y2, x1:x2]
    if settings.height:
        # At most the stored image's height, as latest.jpg caps at the frame's: a huge
        # `height` must not make a huge image (Frigate upscales to any height).
        frame = imaging.resize_to_height(frame, min(settings.height, source_height))
    if clean and settings.timestamp:
        frame = frame.copy()
        draw_timestamp(frame, event.snapshot_frame_time, style)
    return imaging.encode(frame, ext, settings.quality)
