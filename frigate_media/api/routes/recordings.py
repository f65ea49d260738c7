"""Camera recordings: a frame at a moment, an MP4 clip of a range, a frame sent to Frigate+."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from frigate_media.api import frigate_headers, http_cache, media_types
from frigate_media.api.deps import CameraDep, ContextDep
from frigate_media.api.writes import WritesFrigate
from frigate_media.services.recordings import clips, frame_at, plus

router = APIRouter(tags=["recordings"])


@router.get("/{camera_name}/recordings/{frame_time}/snapshot.{format}")
async def recording_snapshot(
    context: ContextDep,
    camera: CameraDep,
    frame_time: float,
    format: str,
    height: Annotated[int | None, Query(description="Output height; width keeps the ratio")] = None,
) -> Response:
    """The recorded frame playing at `frame_time`; X-Frame-Time is that frame's own time."""
    image = await frame_at.frame_image(context, camera.name, frame_time, format, height)
    media_type = media_types.of_format(image.image_format)
    frame_time_header = frigate_headers.recorded_frame_time(image.frame_time)
    return http_cache.respond(image.data, media_type, http_cache.RECORDED_FRAME, frame_time_header)


@router.get(
    "/{camera_name}/start/{start_ts}/end/{end_ts}/clip.mp4",
    description="A plain request streams a fragmented MP4; a Range request gets a seekable file.",
)
async def recording_clip(
    request: Request,
    context: ContextDep,
    camera: CameraDep,
    start_ts: float,
    end_ts: float,
    download: bool = False,
) -> Response:
    """The recordings of [start_ts, end_ts] as one MP4, cut to the millisecond."""
    body = await clips.clip_body(
        context,
        camera.name,
        start_ts,
        end_ts,
        ranged="range" in request.headers,
    )
    download_headers = frigate_headers.file_download(body.name) if download else None
    return await http_cache.clip_response(request.headers, body, download_headers)


@router.post("/{camera_name}/plus/{frame_time}", dependencies=[WritesFrigate])
async def submit_to_plus(context: ContextDep, camera: CameraDep, frame_time: float) -> JSONResponse:
    """Send the recorded frame at `frame_time` to Frigate+ for labelling."""
    await plus.submit_recording_frame(context, camera.name, frame_time)
    return JSONResponse({"success": True, "message": "Successfully submitted image."})
