"""Event media routes: snapshot, clean copy, thumbnail, clip and preview of one event or review."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from frigate_media.api.bodies import json_body, json_body_openapi
from frigate_media.api.deps import AdminDep, CameraNameDep, ContextDep, IdentityDep
from frigate_media.api.media_files import clip_response
from frigate_media.errors import BadRequest
from frigate_media.services import imaging
from frigate_media.services.events import manual
from frigate_media.services.events.ranges import (
    event_clip_range,
    event_preview_range,
    review_range,
)
from frigate_media.services.events.records import load_event, load_review
from frigate_media.services.events.snapshots import SnapshotQuery, clean_snapshot, event_snapshot
from frigate_media.services.events.thumbnails import event_thumbnail
from frigate_media.services.previews import encodes
from frigate_media.services.recordings import clips

router = APIRouter(tags=["events"])

YEAR = 31536000
ENDED_CACHE = f"private, max-age={YEAR}"


class Extension(StrEnum):
    webp = "webp"
    png = "png"
    jpg = "jpg"
    jpeg = "jpeg"


OptionalInt = Annotated[int | None, Query()]
Padding = Annotated[int, Query(ge=0, le=86400, description="Seconds added before and after")]


@router.get("/events/{event_id}/snapshot.jpg")
async def snapshot_jpg(
    event_id: str,
    context: ContextDep,
    identity: IdentityDep,
    download: bool = False,
    timestamp: OptionalInt = None,
    bbox: OptionalInt = None,
    crop: OptionalInt = None,
    height: OptionalInt = None,
    quality: OptionalInt = None,
) -> Response:
    """The event's snapshot: rendered from the clean copy when parameters are given."""
    if height is not None and height < 0:
        raise BadRequest("height must be a positive number of pixels")
    query = SnapshotQuery(timestamp, bbox, crop, height, quality)
    image = await event_snapshot(context, identity, event_id, query)
    headers = {
        "Cache-Control": ENDED_CACHE if image.ended else "no-store",
        "X-Frame-Time": str(image.frame_time if image.frame_time is not None else 0),
    }
    if download:
        headers["Content-Disposition"] = f"attachment; filename=snapshot-{event_id}.jpg"
    return Response(image.data, media_type="image/jpeg", headers=headers)


@router.get("/events/{event_id}/snapshot-clean.webp")
async def snapshot_clean_webp(
    event_id: str, context: ContextDep, identity: IdentityDep, download: bool = False
) -> Response:
    """The clean copy of the event's snapshot as WebP."""
    image = await clean_snapshot(context, identity, event_id)
    headers = {"Cache-Control": ENDED_CACHE if image.ended else "no-cache"}
    if download:
        headers["Content-Disposition"] = f"attachment; filename=snapshot-{event_id}-clean.webp"
    return Response(image.data, media_type="image/webp", headers=headers)


@router.get("/events/{event_id}/thumbnail.{extension}")
async def thumbnail(
    event_id: str,
    extension: Extension,
    context: ContextDep,
    identity: IdentityDep,
    max_cache_age: Annotated[int, Query(ge=0, le=10 * YEAR)] = 2592000,
    format: str = "ios",
) -> Response:
    """The event's thumbnail, always encoded in the requested format."""
    ext = extension.value
    image = await event_thumbnail(context, identity, event_id, ext, android=format == "android")
    cache = f"private, max-age={max_cache_age}" if image.ended else "no-store"
    return Response(image.data, media_type=imaging.mime_type(ext), headers={"Cache-Control": cache})


@router.get("/events/{event_id}/clip.mp4")
async def event_clip(
    request: Request,
    event_id: str,
    context: ContextDep,
    identity: IdentityDep,
    padding: Padding = 0,
    download: bool = False,
) -> Response:
    """The recordings of the event (padded) as one MP4, through the camera clip service."""
    event = await load_event(context, identity, event_id)
    start, end = event_clip_range(event, padding, context.clock.now())
    body = await clips.clip_body(
        context, event.camera, start, end, ranged="range" in request.headers, download=download
    )
    return clip_response(request, body)


@router.get("/review/{review_id}/clip.mp4")
async def review_clip(
    request: Request,
    review_id: str,
    context: ContextDep,
    identity: IdentityDep,
    padding: Padding = 0,
    download: bool = False,
) -> Response:
    """The recordings of the review segment (padded) as one MP4."""
    review = await load_review(context, identity, review_id)
    start, end = review_range(review, padding, context.clock.now())
    body = await clips.clip_body(
        context, review.camera, start, end, ranged="range" in request.headers, download=download
    )
    return clip_response(request, body)


@router.get("/events/{event_id}/preview.gif")
async def event_preview_gif(event_id: str, context: ContextDep, identity: IdentityDep) -> Response:
    """An animated GIF of the event's first 20 seconds, from the camera's previews."""
    event = await load_event(context, identity, event_id)
    start, end = event_preview_range(event)
    made = await encodes.gif(context, event.camera, start, end)
    return Response(
        made.content,
        media_type="image/gif",
        headers={"Cache-Control": f"private, max-age={made.max_age}"},
    )


class EventsCreateBody(BaseModel):
    """Frigate's body for a manual event; every field is optional."""

    sub_label: str | None = Field(default=None, max_length=100)
    score: float | None = 0
    duration: int | None = 30
    include_recording: bool | None = True
    draw: dict[str, Any] | None = Field(default_factory=dict)
    pre_capture: int | None = None


class EventsEndBody(BaseModel):
    end_time: float | None = None


@router.post(
    "/events/{camera_name}/{label}/create", openapi_extra=json_body_openapi(EventsCreateBody)
)
async def create_event(
    identity: AdminDep,
    camera_name: CameraNameDep,
    label: str,
    context: ContextDep,
    body: Annotated[EventsCreateBody | None, Depends(json_body(EventsCreateBody))],
) -> JSONResponse:
    """Create a manual event whose snapshot is the camera's current frame (admin only)."""
    body = body or EventsCreateBody()
    request = manual.ManualEventRequest(
        sub_label=body.sub_label,
        score=body.score or 0.0,
        duration=body.duration,
        include_recording=body.include_recording is not False,
        draw=body.draw or {},
        pre_capture=body.pre_capture,
    )
    event_id = await manual.create(context, identity, camera_name, label, request)
    return JSONResponse(
        {"success": True, "message": "Successfully created event.", "event_id": event_id}
    )


@router.put("/events/{event_id}/end", openapi_extra=json_body_openapi(EventsEndBody))
async def end_event(
    identity: AdminDep,
    event_id: str,
    context: ContextDep,
    body: Annotated[EventsEndBody | None, Depends(json_body(EventsEndBody))],
) -> JSONResponse:
    """End a manual event: its snapshot files are written, then its row is closed."""
    end_time = body.end_time if body is not None else None
    await manual.end(context, identity, event_id, end_time)
    return JSONResponse({"success": True, "message": "Event successfully ended."})
