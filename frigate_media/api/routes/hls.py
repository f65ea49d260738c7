"""HLS at nginx-vod's URLs: /vod/<mapping form>/{master,index*}.m3u8, init-*.mp4, seg-N-*.m4s."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response
from starlette.convertors import Convertor, register_url_convertor
from tzlocal import get_localzone_name

from frigate_media.api.deps import CameraDep, ContextDep, HlsDep, IdentityDep
from frigate_media.services import timeranges
from frigate_media.services.hls import (
    FILE_NAME_REGEX,
    HlsService,
    VodRange,
    parse_file_name,
)
from frigate_media.services.recordings import vod_mapping


class HlsFileConvertor(Convertor[str]):
    """Matches only nginx-vod file names, so these routes never shadow the mapping JSON."""

    regex = FILE_NAME_REGEX

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("hlsfile", HlsFileConvertor())

router = APIRouter(tags=["hls"])


class SegmentFileResponse(FileResponse):
    """A cached segment, read in large chunks: one or two thread hops per segment, not 20."""

    chunk_size = 1024 * 1024


async def _respond(hls: HlsService, vod: VodRange, file_name: str, request: Request) -> Response:
    reply = await hls.reply(vod, parse_file_name(file_name), request.url.query)
    if reply.file is not None:
        return SegmentFileResponse(reply.file, media_type=reply.content_type, headers=reply.headers)
    return Response(reply.body, media_type=reply.content_type, headers=reply.headers)


@router.get("/vod/{camera_name}/start/{start_ts}/end/{end_ts}/{file_name:hlsfile}")
async def hls_range(
    camera: CameraDep,
    start_ts: float,
    end_ts: float,
    file_name: str,
    request: Request,
    hls: HlsDep,
) -> Response:
    """A recorded range as HLS (Frigate UI timeline, exports, Home Assistant)."""
    start, end = timeranges.time_range(start_ts, end_ts)
    return await _respond(hls, VodRange(camera.name, start, end), file_name, request)


@router.get("/vod/clip/{camera_name}/start/{start_ts}/end/{end_ts}/{file_name:hlsfile}")
async def hls_clip(
    camera: CameraDep,
    start_ts: float,
    end_ts: float,
    file_name: str,
    request: Request,
    hls: HlsDep,
) -> Response:
    """The same range with a discontinuity between recordings (tracking details)."""
    start, end = timeranges.time_range(start_ts, end_ts)
    vod = VodRange(camera.name, start, end, discontinuity=True)
    return await _respond(hls, vod, file_name, request)


@router.get("/vod/event/{event_id}/{file_name:hlsfile}")
async def hls_event(
    event_id: str,
    file_name: str,
    request: Request,
    context: ContextDep,
    identity: IdentityDep,
    hls: HlsDep,
    padding: Annotated[int, Query()] = 0,
) -> Response:
    """An event's recordings, padded (Home Assistant notifications)."""
    event = await vod_mapping.load_event(context, event_id)
    identity.require_camera(str(event.camera))
    start, end = vod_mapping.event_range(event, padding, context.clock.now())
    start, end = timeranges.time_range(start, end)
    vod = VodRange(str(event.camera), start, end, in_progress=event.end_time is None)
    return await _respond(hls, vod, file_name, request)


@router.get("/vod/{year_month}/{day}/{hour}/{camera_name}/{file_name:hlsfile}")
async def hls_hour_local(
    year_month: str,
    day: int,
    hour: int,
    camera: CameraDep,
    file_name: str,
    request: Request,
    hls: HlsDep,
) -> Response:
    """One hour in the server's local time zone."""
    zone = get_localzone_name().replace("/", ",")
    start, end = timeranges.hour_range(year_month, day, hour, zone)
    return await _respond(hls, VodRange(camera.name, start, end), file_name, request)


@router.get("/vod/{year_month}/{day}/{hour}/{camera_name}/{tz_name}/{file_name:hlsfile}")
async def hls_hour(
    year_month: str,
    day: int,
    hour: int,
    camera: CameraDep,
    tz_name: str,
    file_name: str,
    request: Request,
    hls: HlsDep,
) -> Response:
    """One hour in a named time zone (`,` for `/`; Home Assistant sends `utc`)."""
    start, end = timeranges.hour_range(year_month, day, hour, tz_name)
    return await _respond(hls, VodRange(camera.name, start, end), file_name, request)
