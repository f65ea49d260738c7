"""Find the live tracked object of an in-progress event through the frame processor, if any."""

from __future__ import annotations

from typing import Any, Protocol

from frigate_media.context import AppContext


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


def _registry(context: AppContext) -> Any:
    # The frame processor is optional: without it no event is ever "being tracked".
    frames = getattr(context, "frames", None)
    return None if frames is None else getattr(frames, "tracked", None)


def find_tracked(context: AppContext, event_id: str) -> TrackedImages | None:
    """The tracked object with this id on any camera, or None."""
    registry = _registry(context)
    if registry is None:
        return None
    found: TrackedImages | None = registry.find(event_id)
    return found
