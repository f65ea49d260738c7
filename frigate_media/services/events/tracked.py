"""Running tracked objects beside the event rows: the newest event of a label, rows or not."""

from __future__ import annotations

from frigate_media.context import AppContext
from frigate_media.services.events.records import newest_event


def _id_time(event_id: str) -> float:
    """The start time an event id begins with (`<time>-<random>`); 0 for other ids."""
    try:
        return float(event_id.split("-", 1)[0])
    except ValueError:
        return 0.0


async def newest_label_event_id(context: AppContext, camera: str, label: str) -> str | None:
    """The newest event of `camera` and `label` (`any`: every label), counting tracked objects
    that have no row yet (a running Frigate object known from MQTT)."""
    event = await context.run_db(newest_event, camera, label)
    tracked = [obj.id for obj in context.tracked.on_camera(camera) if label in ("any", obj.label)]
    newest_tracked = max(tracked, key=_id_time, default=None)
    if newest_tracked is not None and (
        event is None or _id_time(newest_tracked) > _id_time(event.id)
    ):
        return newest_tracked
    return event.id if event is not None else None
