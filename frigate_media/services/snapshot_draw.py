"""Interim drawing helpers for rendered snapshots, until the live branch's frames.draw lands."""

from __future__ import annotations

import datetime
import unicodedata

import cv2
import numpy as np
import numpy.typing as npt

from frigate_media.config import TimestampStyleConfig

Image = npt.NDArray[np.uint8]
Color = tuple[int, int, int]
FONT = cv2.FONT_HERSHEY_SIMPLEX


def _latin(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def draw_box_with_label(
    frame: Image,
    x_min: int,
    y_min: int,
    x_max: int,
    y_max: int,
    label: str,
    info: str,
    thickness: int = 2,
    color: Color = (255, 255, 255),
) -> None:
    """A rectangle and a filled label box above it (below when there is no room)."""
    cv2.rectangle(frame, (x_min, y_min), (x_max, y_max), color, thickness)
    text = _latin(f"{label}: {info}")
    (text_w, text_h), baseline = cv2.getTextSize(text, FONT, 0.5, 2)
    box_h, box_w = text_h + baseline + 8, text_w + 8
    top = y_min - box_h if y_min - box_h >= 0 else y_max
    top = min(top, max(0, frame.shape[0] - box_h))
    left = min(max(0, x_min), max(0, frame.shape[1] - box_w))
    cv2.rectangle(frame, (left, top), (left + box_w, top + box_h), color, cv2.FILLED)
    cv2.putText(frame, text, (left + 4, top + 4 + text_h), FONT, 0.5, (0, 0, 0), 2, cv2.LINE_AA)


def draw_timestamp(frame: Image, timestamp: float, style: TimestampStyleConfig) -> None:
    """The local time of `timestamp` in the style's format, a third of the frame wide."""
    text = datetime.datetime.fromtimestamp(timestamp).strftime(style.format)
    height, width = frame.shape[:2]
    (base_w, _), _ = cv2.getTextSize(text, FONT, 1.0, style.thickness)
    scale = max(150.0, 0.33 * width) / max(1, base_w)
    (text_w, text_h), baseline = cv2.getTextSize(text, FONT, scale, style.thickness)
    x = 10 if style.position in ("tl", "bl") else width - text_w - 10
    y = 10 + text_h if style.position in ("tl", "tr") else height - 10 - baseline
    color = (style.color.blue, style.color.green, style.color.red)
    cv2.putText(frame, text, (x, y), FONT, scale, color, style.thickness, cv2.LINE_AA)


def calculate_region(
    frame_shape: tuple[int, ...],
    xmin: int,
    ymin: int,
    xmax: int,
    ymax: int,
    model_size: int,
    multiplier: float = 2.0,
) -> tuple[int, int, int, int]:
    """A square of side max(w, h) * multiplier (multiple of 4, at least model_size) around
    the box, shifted to stay inside the frame."""
    frame_h, frame_w = int(frame_shape[0]), int(frame_shape[1])
    size = int(max(xmax - xmin, ymax - ymin) * multiplier) // 4 * 4
    size = min(max(model_size, size), max(frame_w, frame_h))
    x_offset = max(0, min(int((xmax - xmin) / 2.0 + xmin - size / 2.0), frame_w - size))
    y_offset = max(0, min(int((ymax - ymin) / 2.0 + ymin - size / 2.0), frame_h - size))
    return (x_offset, y_offset, x_offset + size, y_offset + size)
