"""Frigate-shaped MQTT payloads, with the field names of Frigate's MQTT docs and tracked objects."""

from __future__ import annotations

import json
from typing import Any

import cv2
import numpy as np

Box = tuple[int, int, int, int]


def area(box: Any) -> int:
    if len(box) != 4:
        return 0
    return int((box[2] - box[0]) * (box[3] - box[1]))


def object_side(
    object_id: str,
    *,
    camera: str = "cam",
    label: str = "person",
    box: Box = (100, 100, 200, 260),
    frame_time: float = 1_700_000_010.5,
    best_box: Box | None = None,
    best_time: float | None = None,
    score: float = 0.88,
    **extra: Any,
) -> dict[str, Any]:
    """One side (`before`/`after`) of an events message as Frigate 0.14+ publishes it."""
    best_box = best_box or box
    start = float(object_id.split("-")[0])
    side: dict[str, Any] = {
        "id": object_id,
        "camera": camera,
        "frame_time": frame_time,
        "snapshot": {
            "frame_time": best_time if best_time is not None else frame_time,
            "box": list(best_box),
            "area": area(best_box),
            "region": [0, 0, 320, 320],
            "score": 0.91,
            "attributes": [],
            "current_estimated_speed": 0,
            "velocity_angle": 0,
            "path_data": [],
        },
        "label": label,
        "sub_label": None,
        "top_score": 0.91,
        "false_positive": False,
        "start_time": start,
        "end_time": None,
        "score": score,
        "box": list(box),
        "area": area(box),
        "ratio": 0.6,
        "region": [0, 0, 320, 320],
        "active": True,
        "stationary": False,
        "motionless_count": 0,
        "position_changes": 1,
        "current_zones": [],
        "entered_zones": [],
        "has_clip": True,
        "has_snapshot": True,
        "attributes": {},
        "current_attributes": [],
        "pending_loitering": False,
        "max_severity": "alert",
        "current_estimated_speed": 0,
        "average_estimated_speed": 0,
        "velocity_angle": 0,
        "path_data": [[[0.47, 0.54], start]],
    }
    side.update(extra)
    return side


def event_message(kind: str, object_id: str, **fields: Any) -> bytes:
    """`<prefix>/events` payload: {"type", "before", "after"}."""
    after = object_side(object_id, **fields)
    if kind == "end":
        after["end_time"] = after["frame_time"]
    before = dict(after, end_time=None)
    return json.dumps({"type": kind, "before": before, "after": after}).encode()


def jpeg(width: int, height: int, bgr: tuple[int, int, int] = (40, 160, 220)) -> bytes:
    """A solid-colour JPEG, as Frigate's `<camera>/<label>/snapshot` is a JPEG file."""
    image = np.zeros((height, width, 3), np.uint8)
    image[:] = bgr
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return bytes(data.tobytes())
