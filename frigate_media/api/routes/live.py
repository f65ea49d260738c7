"""Live routes: latest frame, MJPEG, region grid and PTZ info (Frigate's media routes 1-3, 14)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse, Response

from frigate_media.api.deps import CameraNameDep, ContextDep, IdentityDep
from frigate_media.api.latest_query import LatestQueryDep
from frigate_media.api.streaming import ClosingStreamingResponse
from frigate_media.frames.overlays import DrawOptions
from frigate_media.services import grid, live, ptz
from frigate_media.services.latest_query import latest_request

router = APIRouter(tags=["live"])
# `/{camera_name}` matches any single segment: this router must be mounted after all others.
mjpeg_router = APIRouter(tags=["live"])

Flag = Annotated[int | None, Query()]


class Extension(StrEnum):
    webp = "webp"
    png = "png"
    jpg = "jpg"
    jpeg = "jpeg"


@router.get("/{camera_name}/ptz/info")
async def camera_ptz_info(context: ContextDep, camera_name: CameraNameDep) -> JSONResponse:
    """The camera's ONVIF PTZ features and presets; `{}` without ONVIF."""
    info: dict[str, Any] = await ptz.camera_ptz_info(context, camera_name)
    return JSONResponse(info)


@router.get("/{camera_name}/latest.{extension}")
async def latest_frame(
    context: ContextDep,
    identity: IdentityDep,
    camera_name: CameraNameDep,
    extension: Extension,
    query: LatestQueryDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The newest frame; offline: the newest preview frame (X-Frigate-Offline) or an error image.

    Well-formed requests are usually answered by `api.fast_latest` before they get here; both
    build the service request with `latest_request` from the parameters declared in
    `services/latest_query.py`.
    """
    request = latest_request(extension.value, query)
    reply = await live.latest_frame(context, identity, camera_name, request, if_none_match)
    if reply.not_modified:
        return Response(status_code=304, headers=reply.headers)
    return Response(reply.body, media_type=reply.media_type, headers=reply.headers)


@router.get("/{camera_name}/grid.jpg")
async def grid_snapshot(
    context: ContextDep,
    camera_name: CameraNameDep,
    color: str = "green",
    font_scale: float = 0.5,
) -> Response:
    """The live frame with the camera's region grid drawn over it."""
    body = await grid.grid_snapshot(context, camera_name, color, font_scale)
    return Response(body, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@mjpeg_router.get("/{camera_name}")
async def mjpeg_feed(
    context: ContextDep,
    camera_name: CameraNameDep,
    fps: int = 3,
    height: int = 360,
    bbox: Flag = None,
    timestamp: Flag = None,
    zones: Flag = None,
    mask: Flag = None,
    motion: Flag = None,
    regions: Flag = None,
) -> ClosingStreamingResponse:
    """A multipart JPEG stream at up to `fps`, `height` pixels tall."""
    options = DrawOptions(
        bounding_boxes=bool(bbox),
        timestamp=bool(timestamp),
        zones=bool(zones),
        mask=bool(mask),
        motion_boxes=bool(motion),
        regions=bool(regions),
    )
    parts = await live.mjpeg_stream(context, camera_name, fps, height, options)
    return ClosingStreamingResponse(parts, media_type="multipart/x-mixed-replace;boundary=frame")
