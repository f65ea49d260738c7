"""Find the live tracked object of an in-progress event through the frame processor, if any."""

from __future__ import annotations

from typing import Protocol

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


def find_tracked(context: AppContext, event_id: str) -> TrackedImages | None:
    """The tracked object with this id on any camera, or None (also without a frame processor)."""
    if context.frames is None:
        return None
    return context.frames.objects.find(event_id)
