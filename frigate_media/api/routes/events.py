"""Event media routes: snapshot, clean copy, thumbnail, clip and preview of one event or review."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from frigate_media.api import frigate_headers, http_cache, media_types
from frigate_media.api.bodies import json_body, json_body_openapi
from frigate_media.api.deps import AdminDep, CameraNameDep, ContextDep, IdentityDep, ManualEventsDep
from frigate_media.api.media_types import Extension
from frigate_media.api.writes import WritesFrigate
from frigate_media.errors import BadRequest
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

OptionalInt = Annotated[int | None, Query()]
Padding = Annotated[int, Query(ge=0, le=86400, description="Seconds added before and after")]
MaxCacheAge = Annotated[int, Query(ge=0, le=10 * http_cache.YEAR)]


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
    headers = frigate_headers.event_frame_time(image.frame_time)
    if download:
        headers |= frigate_headers.snapshot_download(f"snapshot-{event_id}.jpg")
    policy = http_cache.event_snapshot(ended=image.ended)
    return http_cache.respond(image.data, media_types.of_format("jpg"), policy, headers)


@router.get("/events/{event_id}/snapshot-clean.webp")
async def snapshot_clean_webp(
    event_id: str, context: ContextDep, identity: IdentityDep, download: bool = False
) -> Response:
    """The clean copy of the event's snapshot as WebP."""
    image = await clean_snapshot(context, identity, event_id)
    headers = (
        frigate_headers.snapshot_download(f"snapshot-{event_id}-clean.webp") if download else {}
    )
    policy = http_cache.clean_snapshot(ended=image.ended)
    return http_cache.respond(image.data, media_types.of_format("webp"), policy, headers)


@router.get("/events/{event_id}/thumbnail.{extension}")
async def thumbnail(
    event_id: str,
    extension: Extension,
    context: ContextDep,
    identity: IdentityDep,
    max_cache_age: MaxCacheAge = http_cache.THUMBNAIL_MAX_AGE,
    format: str = "ios",
) -> Response:
    """The event's thumbnail, always encoded in the requested format."""
    ext = extension.value
    image = await event_thumbnail(context, identity, event_id, ext, android=format == "android")
    policy = http_cache.event_thumbnail(ended=image.ended, max_age=max_cache_age)
    return http_cache.respond(image.data, media_types.of_format(ext), policy)


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
        context, event.camera, start, end, ranged="range" in request.headers
    )
    download_headers = frigate_headers.file_download(body.name) if download else None
    return await http_cache.clip_response(request.headers, body, download_headers)


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
        context, review.camera, start, end, ranged="range" in request.headers
    )
    download_headers = frigate_headers.file_download(body.name) if download else None
    return await http_cache.clip_response(request.headers, body, download_headers)


@router.get("/events/{event_id}/preview.gif")
async def event_preview_gif(event_id: str, context: ContextDep, identity: IdentityDep) -> Response:
    """An animated GIF of the event's first 20 seconds, from the camera's previews."""
    event = await load_event(context, identity, event_id)
    start, end = event_preview_range(event)
    made = await encodes.gif(context, event.camera, start, end)
    policy = http_cache.preview(growing=made.live, max_age=http_cache.GIF_MAX_AGE)
    return http_cache.respond(made.content, media_types.of_format("gif"), policy)


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
    "/events/{camera_name}/{label}/create",
    openapi_extra=json_body_openapi(EventsCreateBody),
    dependencies=[WritesFrigate],
)
async def create_event(
    identity: AdminDep,
    camera_name: CameraNameDep,
    label: str,
    manual_events: ManualEventsDep,
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
    event_id = await manual_events.create(identity, camera_name, label, request)
    return JSONResponse(
        {"success": True, "message": "Successfully created event.", "event_id": event_id}
    )


@router.put(
    "/events/{event_id}/end",
    openapi_extra=json_body_openapi(EventsEndBody),
    dependencies=[WritesFrigate],
)
async def end_event(
    identity: AdminDep,
    event_id: str,
    manual_events: ManualEventsDep,
    body: Annotated[EventsEndBody | None, Depends(json_body(EventsEndBody))],
) -> JSONResponse:
    """End a manual event: its snapshot files are written, then its row is closed."""
    end_time = body.end_time if body is not None else None
    await manual_events.end(identity, event_id, end_time)
    return JSONResponse({"success": True, "message": "Event successfully ended."})
