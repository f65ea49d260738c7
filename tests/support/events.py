"""Event records as the services receive them, for tests of the pure event and VOD rules."""

from __future__ import annotations

from typing import Any

from frigate_media.services.events.records import EventRecord


def event_record(start: float, end: float | None, **fields: Any) -> EventRecord:
    """An event of `front` from `start` to `end` (None: in progress), with a clip and snapshot."""
    values: dict[str, Any] = {
        "id": f"{start}-abcdef",
        "camera": "front",
        "label": "person",
        "has_clip": True,
        "has_snapshot": True,
    }
    values.update(fields)
    return EventRecord(start_time=start, end_time=end, **values)
