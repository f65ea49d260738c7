"""Frigate's MQTT payloads read into typed values; anything malformed raises MalformedMessage.

`<prefix>/events` carries `{"type": "new"|"update"|"end", "before": {...}, "after": {...}}`;
only `after` matters here (the object as it is now). Boxes and regions are pixels in the
camera's detect resolution. Frigate before 0.14 sent `snapshot_time` where newer versions send
a `snapshot` object (the best frame's time, box, area, region, score, attributes).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from frigate_media.frames.geometry import Box

EventType = Literal["new", "update", "end"]
EVENT_TYPES: frozenset[str] = frozenset({"new", "update", "end"})
JPEG_MAGIC = b"\xff\xd8"


class MalformedMessage(ValueError):
    """A payload that is not what Frigate publishes on that topic."""


@dataclass(frozen=True)
class BestFrame:
    """The `snapshot` side object: where the object was on its best frame."""

    frame_time: float
    box: Box | None = None
    region: Box | None = None
    score: float | None = None
    area: int | None = None
    attributes: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ObjectState:
    """One side (`after`) of an events message."""

    id: str
    camera: str
    label: str
    frame_time: float
    sub_label: str | None = None
    score: float = 0.0
    top_score: float | None = None
    box: Box | None = None
    region: Box | None = None
    area: int = 0
    current_zones: list[str] = field(default_factory=list)
    stationary: bool = False
    has_snapshot: bool = False
    current_estimated_speed: float | None = None
    path: list[tuple[float, float, float]] = field(default_factory=list)
    best: BestFrame | None = None


@dataclass(frozen=True)
class EventMessage:
    type: EventType
    after: ObjectState


def parse_event(payload: bytes) -> EventMessage:
    """An events message, or MalformedMessage naming what is wrong."""
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedMessage(f"not JSON: {error}") from None
    if not isinstance(data, dict):
        raise MalformedMessage("not a JSON object")
    kind = data.get("type")
    if kind not in EVENT_TYPES:
        raise MalformedMessage(f"unknown type {kind!r}")
    after = data.get("after")
    if not isinstance(after, dict):
        raise MalformedMessage("no `after` object")
    return EventMessage(kind, _object_state(after))


def _object_state(raw: dict[str, Any]) -> ObjectState:
    box = _box(raw.get("box"), "box")
    frame_time = _number(raw.get("frame_time"), "frame_time")
    return ObjectState(
        id=_text(raw.get("id"), "id"),
        camera=_text(raw.get("camera"), "camera"),
        label=_text(raw.get("label"), "label"),
        frame_time=frame_time,
        sub_label=_sub_label(raw.get("sub_label")),
        score=_optional_number(raw.get("score"), "score") or 0.0,
        top_score=_optional_number(raw.get("top_score"), "top_score"),
        box=box,
        region=_box(raw.get("region"), "region"),
        area=int(_optional_number(raw.get("area"), "area") or _area(box)),
        current_zones=[str(zone) for zone in _list(raw.get("current_zones"), "current_zones")],
        stationary=bool(raw.get("stationary", False)),
        has_snapshot=bool(raw.get("has_snapshot", False)),
        current_estimated_speed=_optional_number(
            raw.get("current_estimated_speed"), "current_estimated_speed"
        ),
        path=_path(raw.get("path_data")),
        best=_best_frame(raw, box),
    )


def _best_frame(raw: dict[str, Any], box: Box | None) -> BestFrame | None:
    snapshot = raw.get("snapshot")
    if isinstance(snapshot, dict):
        best_box = _box(snapshot.get("box"), "snapshot.box")
        area = _optional_number(snapshot.get("area"), "snapshot.area")
        return BestFrame(
            frame_time=_number(snapshot.get("frame_time"), "snapshot.frame_time"),
            box=best_box,
            region=_box(snapshot.get("region"), "snapshot.region"),
            score=_optional_number(snapshot.get("score"), "snapshot.score"),
            area=int(area) if area is not None else _area(best_box) or None,
            attributes=_attributes(snapshot.get("attributes")),
        )
    if snapshot is not None:
        raise MalformedMessage("`snapshot` is not an object")
    snapshot_time = _optional_number(raw.get("snapshot_time"), "snapshot_time")
    if snapshot_time:  # Frigate < 0.14: the best frame's time only, on the current box
        return BestFrame(frame_time=snapshot_time, box=box)
    return None


def parse_snapshot_topic(topic: str, prefix: str) -> tuple[str, str] | None:
    """(camera, label) of `<prefix>/<camera>/<label>/snapshot`, else None."""
    rest = topic.removeprefix(prefix + "/")
    if rest == topic:
        return None
    parts = rest.split("/")
    if len(parts) != 3 or parts[2] != "snapshot" or not parts[0] or not parts[1]:
        return None
    return parts[0], parts[1]


def check_jpeg(payload: bytes) -> bytes:
    """The payload if it looks like a JPEG file (Frigate publishes raw JPEG bytes)."""
    if not payload.startswith(JPEG_MAGIC):
        raise MalformedMessage("not a JPEG image")
    return payload


# ---- field readers -----------------------------------------------------------------------


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise MalformedMessage(f"`{name}` must be a non-empty string")
    return value


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedMessage(f"`{name}` must be a number")
    number = float(value)
    if not math.isfinite(number):
        raise MalformedMessage(f"`{name}` must be finite")
    return number


def _optional_number(value: Any, name: str) -> float | None:
    return None if value is None else _number(value, name)


def _list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedMessage(f"`{name}` must be a list")
    return value


def _box(value: Any, name: str) -> Box | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple) or len(value) != 4:
        raise MalformedMessage(f"`{name}` must be [x1, y1, x2, y2]")
    x1, y1, x2, y2 = (int(_number(v, name)) for v in value)
    if x2 < x1 or y2 < y1:
        raise MalformedMessage(f"`{name}` has its corners swapped")
    return x1, y1, x2, y2


def _area(box: Box | None) -> int:
    return 0 if box is None else (box[2] - box[0]) * (box[3] - box[1])


def _sub_label(value: Any) -> str | None:
    """A name, or Frigate's newer `[name, score]` pair; anything else counts as none."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, list | tuple) and value and isinstance(value[0], str):
        return value[0] or None
    return None


def _attributes(value: Any) -> list[dict[str, Any]]:
    return [item for item in _list(value, "snapshot.attributes") if isinstance(item, dict)]


def _path(value: Any) -> list[tuple[float, float, float]]:
    """`path_data` entries `[[x, y], time]` (relative bottom-centre points); bad ones skipped."""
    points: list[tuple[float, float, float]] = []
    for entry in _list(value, "path_data"):
        try:
            (x, y), moment = entry
            points.append((float(x), float(y), float(moment)))
        except (TypeError, ValueError):
            continue
    return points
