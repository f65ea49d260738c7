"""Live routes: latest frame, MJPEG, region grid (draw, clear) and PTZ info (Frigate's media
routes 1-3, 14 and the later `DELETE /{camera}/region_grid`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse, Response

from frigate_media.api import http_cache, media_types
from frigate_media.api.deps import CameraNameDep, ContextDep, FramesDep, IdentityDep
from frigate_media.api.fast_latest import latest_response
from frigate_media.api.latest_query import LatestQueryDep
from frigate_media.api.media_types import Extension
from frigate_media.api.streaming import ClosingStreamingResponse
from frigate_media.api.writes import WritesFrigate
from frigate_media.frames.overlays import DrawOptions
from frigate_media.services import grid, grid_clear, live, ptz
from frigate_media.services.latest_query import latest_request

router = APIRouter(tags=["live"])
# `/{camera_name}` matches any single segment: a catch-all in the route table (api/route_table).
mjpeg_router = APIRouter(tags=["live"])

Flag = Annotated[int | None, Query()]


@router.get("/{camera_name}/ptz/info")
async def camera_ptz_info(context: ContextDep, camera_name: CameraNameDep) -> JSONResponse:
    """The camera's ONVIF PTZ features and presets; `{}` without ONVIF."""
    info: dict[str, Any] = await ptz.camera_ptz_info(context, camera_name)
    return JSONResponse(info)


@router.get("/{camera_name}/latest.{extension}")
async def latest_frame(
    context: ContextDep,
    frames: FramesDep,
    identity: IdentityDep,
    camera_name: CameraNameDep,
    extension: Extension,
    query: LatestQueryDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The newest frame; offline: the newest preview frame (X-Frigate-Offline) or an error image.

    Well-formed requests are usually answered by `api.fast_latest` before they get here; both
    build the service request with `latest_request` from the parameters declared in
    `services/latest_query.py` and the headers with `latest_headers`.
    """
    request = latest_request(extension.value, query)
    image = await live.latest_frame(context, frames, identity, camera_name, request)
    return await latest_response(image, request.store, if_none_match)


@router.get("/{camera_name}/grid.jpg")
async def grid_snapshot(
    context: ContextDep,
    frames: FramesDep,
    camera_name: CameraNameDep,
    color: str = "green",
    font_scale: float = 0.5,
) -> Response:
    """The live frame with the camera's region grid drawn over it."""
    body = await grid.grid_snapshot(context, frames, camera_name, color, font_scale)
    return http_cache.respond(body, media_types.of_format("jpg"), http_cache.LIVE_FRAME)


@router.delete("/{camera_name}/region_grid", dependencies=[WritesFrigate])
async def clear_region_grid(
    context: ContextDep, identity: IdentityDep, camera_name: str
) -> JSONResponse:
    """Forget the camera's learned region grid (admin only)."""
    await grid_clear.clear_region_grid(context, identity, camera_name)
    return JSONResponse({"success": True, "message": "Region grid cleared"})


@mjpeg_router.get("/{camera_name}")
async def mjpeg_feed(
    context: ContextDep,
    frames: FramesDep,
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
    parts = await live.mjpeg_stream(context, frames, camera_name, fps, height, options)
    return ClosingStreamingResponse(parts, media_type="multipart/x-mixed-replace;boundary=frame")
