"""The newest event of a camera and label: its thumbnail, snapshot and clip (`any`: every label).

Mounted last: `/{camera_name}/{label}/...` would otherwise capture `/events/<id>/...`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from frigate_media import imaging
from frigate_media.api import frigate_headers, http_cache, media_types
from frigate_media.api.deps import CameraDep, ContextDep, IdentityDep
from frigate_media.errors import NotFound
from frigate_media.services.events.ranges import event_clip_range
from frigate_media.services.events.records import (
    checked_label,
    newest_with_clip,
    newest_with_snapshot,
)
from frigate_media.services.events.snapshots import SnapshotQuery, event_snapshot
from frigate_media.services.events.thumbnails import event_thumbnail, placeholder_jpeg
from frigate_media.services.events.tracked import newest_label_event_id
from frigate_media.services.recordings import clips

router = APIRouter(tags=["labels"])


@router.get("/{camera_name}/{label}/best.jpg")
@router.get("/{camera_name}/{label}/thumbnail.jpg")
async def label_thumbnail(
    label: str, camera: CameraDep, context: ContextDep, identity: IdentityDep
) -> Response:
    """The thumbnail of the newest event or running object; a black 175x175 JPEG without one."""
    newest = await newest_label_event_id(context, camera.name, checked_label(label))
    jpeg = media_types.of_format("jpg")
    if newest is None:
        return http_cache.respond(placeholder_jpeg(), jpeg, http_cache.NO_EVENT_THUMBNAIL)
    image = await event_thumbnail(context, identity, newest, "jpg", android=False)
    return http_cache.respond(image.data, jpeg, http_cache.label_thumbnail(ended=image.ended))


@router.get("/{camera_name}/{label}/snapshot.jpg")
async def label_snapshot(
    label: str, camera: CameraDep, context: ContextDep, identity: IdentityDep
) -> Response:
    """The snapshot of the newest event with one; a black 1280x720 JPEG when there is none."""
    event = await context.run_db(newest_with_snapshot, camera.name, checked_label(label))
    jpeg = media_types.of_format("jpg")
    if event is None:
        placeholder = imaging.black_jpeg(1280, 720)
        return http_cache.respond(placeholder, jpeg, http_cache.NO_EVENT_SNAPSHOT)
    image = await event_snapshot(context, identity, event.id, SnapshotQuery())
    policy = http_cache.event_snapshot(ended=image.ended)
    frame_time = frigate_headers.event_frame_time(image.frame_time)
    return http_cache.respond(image.data, jpeg, policy, frame_time)


@router.get("/{camera_name}/{label}/clip.mp4")
async def label_clip(
    request: Request, label: str, camera: CameraDep, context: ContextDep, identity: IdentityDep
) -> Response:
    """The clip of the newest event with one; 404 when there is none."""
    event = await context.run_db(newest_with_clip, camera.name, checked_label(label))
    if event is None:
        raise NotFound("Event not found")
    start, end = event_clip_range(event, 0, context.clock.now())
    body = await clips.clip_body(
        context, event.camera, start, end, ranged="range" in request.headers
    )
    return await http_cache.clip_response(request.headers, body)
