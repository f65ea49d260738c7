"""Drawing helpers for live overlays and event snapshots: labelled boxes, timestamps, regions."""

from __future__ import annotations

import datetime
import unicodedata
from typing import Any

import cv2
import numpy.typing as npt

from frigate_media.config import TimestampStyleConfig

Color = tuple[int, int, int]
Image = npt.NDArray[Any]

LABEL_FONT = cv2.FONT_HERSHEY_SIMPLEX
LABEL_SCALE = 0.5
LABEL_THICKNESS = 2
LABEL_PADDING = 4


def latin(text: str) -> str:
    """OpenCV's Hershey fonts only draw ASCII: strip accents, drop the rest."""
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii")


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
    """A rectangle plus a filled label box above it (below when there is no room above)."""
    cv2.rectangle(frame, (x_min, y_min), (x_max, y_max), color, thickness)
    text = latin(f"{label}: {info}")
    (text_w, text_h), baseline = cv2.getTextSize(text, LABEL_FONT, LABEL_SCALE, LABEL_THICKNESS)
    box_h = text_h + baseline + 2 * LABEL_PADDING
    box_w = text_w + 2 * LABEL_PADDING
    top = y_min - box_h if y_min - box_h >= 0 else y_max
    top = min(top, max(0, frame.shape[0] - box_h))
    left = min(max(0, x_min), max(0, frame.shape[1] - box_w))
    cv2.rectangle(frame, (left, top), (left + box_w, top + box_h), color, cv2.FILLED)
    cv2.putText(
        frame,
        text,
        (left + LABEL_PADDING, top + LABEL_PADDING + text_h),
        LABEL_FONT,
        LABEL_SCALE,
        (0, 0, 0),
        LABEL_THICKNESS,
        cv2.LINE_AA,
    )


def draw_timestamp(frame: Image, timestamp: float, style: TimestampStyleConfig) -> None:
    """The frame time as local time in `style.format`, sized to a third of the frame width."""
    text = datetime.datetime.fromtimestamp(timestamp).strftime(style.format)
    height, width = frame.shape[:2]
    (base_w, _), _ = cv2.getTextSize(text, LABEL_FONT, 1.0, style.thickness)
    scale = max(150.0, 0.33 * width) / max(1, base_w)
    (text_w, text_h), baseline = cv2.getTextSize(text, LABEL_FONT, scale, style.thickness)
    margin = 10
    x = margin if style.position in ("tl", "bl") else width - text_w - margin
    y = margin + text_h if style.position in ("tl", "tr") else height - margin - baseline
    color = (style.color.blue, style.color.green, style.color.red)
    inverse = (255 - color[0], 255 - color[1], 255 - color[2])
    if style.effect == "solid":
        cv2.rectangle(
            frame,
            (x - 4, y - text_h - 4),
            (x + text_w + 4, y + baseline + 4),
            inverse,
            cv2.FILLED,
        )
    elif style.effect == "shadow":
        cv2.putText(
            frame, text, (x + 3, y + 3), LABEL_FONT, scale, inverse, style.thickness, cv2.LINE_AA
        )
    cv2.putText(frame, text, (x, y), LABEL_FONT, scale, color, style.thickness, cv2.LINE_AA)


def calculate_region(
    frame_shape: tuple[int, ...],
    xmin: int,
    ymin: int,
    xmax: int,
    ymax: int,
    model_size: int,
    multiplier: float = 2.0,
) -> tuple[int, int, int, int]:
    """A square around a box: side max(w, h) * multiplier, a multiple of 4, at least
    `model_size`, centred on the box and shifted to stay inside the frame."""
    frame_h, frame_w = int(frame_shape[0]), int(frame_shape[1])
    size = int(max(xmax - xmin, ymax - ymin) * multiplier)
    size = max(model_size, size - size % 4)
    size = min(size, max(frame_w, frame_h))
    x_offset = int((xmax - xmin) / 2.0 + xmin - size / 2.0)
    y_offset = int((ymax - ymin) / 2.0 + ymin - size / 2.0)
    x_offset = max(0, min(x_offset, frame_w - size))
    y_offset = max(0, min(y_offset, frame_h - size))
    x_offset, y_offset = max(0, x_offset), max(0, y_offset)
    return (x_offset, y_offset, x_offset + size, y_offset + size)


def draw_rectangles(frame: Image, boxes: list[tuple[int, int, int, int]], color: Color) -> None:
    for x1, y1, x2, y2 in boxes:
        cv2.rectangle(frame, (int(x1), int(y1)), (int(x2), int(y2)), color, 2)
