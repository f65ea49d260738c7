"""Event thumbnails: the stored base64 or WebP thumbnail, or the tracked object's, re-encoded."""

from __future__ import annotations

import asyncio
import base64
import binascii

from frigate_media import imaging
from frigate_media.auth.identity import Identity
from frigate_media.context import AppContext
from frigate_media.errors import NotFound
from frigate_media.services.events import files
from frigate_media.services.events.records import EventRecord, checked_id, find_event
from frigate_media.services.events.snapshots import EventImage
from frigate_media.storage.paths import MediaPaths

PLACEHOLDER_SIZE = 175


def stored_thumbnail(paths: MediaPaths, event: EventRecord) -> bytes | None:
    """The base64 `thumbnail` column (legacy JPEG), else clips/thumbs/<cam>/<id>.webp. Blocking."""
    if event.thumbnail:
        try:
            return base64.b64decode(event.thumbnail, validate=False)
        except (binascii.Error, ValueError):
            return None
    return files.read_bytes(files.thumbnail_webp(paths, event.camera, event.id))


def reencode(data: bytes, ext: str, android: bool, event_id: str) -> bytes:
    """Decode the stored bytes and encode them as `ext` (padded to ~2:1 for Android). Blocking."""
    image = imaging.decode(data)
    if image is None:
        raise NotFound(f"Thumbnail of event {event_id} is not a readable image")
    if android:
        image = imaging.pad_for_android(image)
    return imaging.encode(image, ext)


async def event_thumbnail(
    context: AppContext, identity: Identity, event_id: str, ext: str, *, android: bool
) -> EventImage:
    """The thumbnail of an event in format `ext`; the camera is checked first."""
    event = await context.run_db(find_event, checked_id(event_id))
    data: bytes | None = None
    if event is not None:
        identity.require_camera(event.camera)
        data = await asyncio.to_thread(stored_thumbnail, context.paths, event)
    if data is None:
        tracked = context.tracked.find(event_id)
        if tracked is not None:
            identity.require_camera(tracked.camera)
            data = await asyncio.to_thread(tracked.get_thumbnail, ext)
    if data is None:
        raise NotFound("Event not found")
    encoded = await asyncio.to_thread(reencode, data, ext, android, event_id)
    return EventImage(encoded, ended=event is not None and event.ended)


def placeholder_jpeg() -> bytes:
    """The 175x175 black JPEG Frigate meant to send when a label has no event."""
    return imaging.black_jpeg(PLACEHOLDER_SIZE, PLACEHOLDER_SIZE)
