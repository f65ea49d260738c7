"""The newest event of a camera and label: its thumbnail, snapshot and clip (`any`: every label).

Mounted last: `/{camera_name}/{label}/...` would otherwise capture `/events/<id>/...`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from frigate_media import imaging
from frigate_media.api.deps import CameraDep, ContextDep, IdentityDep
from frigate_media.api.media_files import clip_response
from frigate_media.errors import NotFound
from frigate_media.services.events.ranges import event_clip_range
from frigate_media.services.events.records import (
    checked_label,
    newest_event,
    newest_with_clip,
    newest_with_snapshot,
)
from frigate_media.services.events.snapshots import SnapshotQuery, event_snapshot
from frigate_media.services.events.thumbnails import event_thumbnail, placeholder_jpeg
from frigate_media.services.recordings import clips

router = APIRouter(tags=["labels"])

LABEL_CACHE_SECONDS = 60


@router.get("/{camera_name}/{label}/best.jpg")
@router.get("/{camera_name}/{label}/thumbnail.jpg")
async def label_thumbnail(
    label: str, camera: CameraDep, context: ContextDep, identity: IdentityDep
) -> Response:
    """The thumbnail of the newest event; a black 175x175 JPEG when there is none."""
    event = await context.run_db(newest_event, camera.name, checked_label(label))
    if event is None:
        return Response(
            placeholder_jpeg(), media_type="image/jpeg", headers={"Cache-Control": "no-store"}
        )
    image = await event_thumbnail(context, identity, event.id, "jpg", android=False)
    cache = f"private, max-age={LABEL_CACHE_SECONDS}" if image.ended else "no-store"
    return Response(image.data, media_type="image/jpeg", headers={"Cache-Control": cache})


@router.get("/{camera_name}/{label}/snapshot.jpg")
async def label_snapshot(
    label: str, camera: CameraDep, context: ContextDep, identity: IdentityDep
) -> Response:
    """The snapshot of the newest event with one; a black 1280x720 JPEG when there is none."""
    event = await context.run_db(newest_with_snapshot, camera.name, checked_label(label))
    if event is None:
        return Response(imaging.black_jpeg(1280, 720), media_type="image/jpeg")
    image = await event_snapshot(context, identity, event.id, SnapshotQuery())
    headers = {
        "Cache-Control": "private, max-age=31536000" if image.ended else "no-store",
        "X-Frame-Time": str(image.frame_time if image.frame_time is not None else 0),
    }
    return Response(image.data, media_type="image/jpeg", headers=headers)


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
    return clip_response(request, body)
