"""Find the live tracked object of an in-progress event through the frame processor, if any."""

from __future__ import annotations

from typing import Protocol

from frigate_media.context import AppContext
from frigate_media.services.events.records import newest_event


class TrackedImages(Protocol):
    """What event routes need from a tracked object: its camera and its rendered images."""

    id: str
    camera: str

    def get_img_bytes(
        self,
        ext: str,
        timestamp: bool = False,
        bounding_box: bool = False,
        crop: bool = False,
        height: int | None = None,
        quality: int | None = None,
    ) -> tuple[bytes | None, float | None]: ...

    def get_thumbnail(self, ext: str) -> bytes: ...

    def get_clean_webp(self) -> bytes | None: ...


def find_tracked(context: AppContext, event_id: str) -> TrackedImages | None:
    """The tracked object with this id on any camera, or None (also without a frame processor)."""
    if context.frames is None:
        return None
    return context.frames.objects.find(event_id)


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
    objects = context.frames.objects.on_camera(camera) if context.frames is not None else []
    tracked = [obj.id for obj in objects if label == "any" or obj.label == label]
    newest_tracked = max(tracked, key=_id_time, default=None)
    if newest_tracked is not None and (
        event is None or _id_time(newest_tracked) > _id_time(event.id)
    ):
        return newest_tracked
    return event.id if event is not None else None
