"""HLS at nginx-vod's URLs: /vod/<mapping form>/{master,index*}.m3u8, init-*.mp4, seg-N-*.m4s."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.convertors import Convertor, register_url_convertor

from frigate_media.api import http_cache, media_types
from frigate_media.api.deps import CameraDep, ContextDep, HlsDep, IdentityDep
from frigate_media.services.hls import FILE_NAME_REGEX, HlsService, parse_file_name
from frigate_media.services.recordings import vod_forms
from frigate_media.services.recordings.vod_forms import VodRange


class HlsFileConvertor(Convertor[str]):
    """Matches only nginx-vod file names, so these routes never shadow the mapping JSON."""

    regex = FILE_NAME_REGEX

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("hlsfile", HlsFileConvertor())

router = APIRouter(tags=["hls"])


# Cached segments are read in large chunks: one or two thread hops per segment, not 20.
SEGMENT_CHUNK_BYTES = 1024 * 1024


async def _respond(hls: HlsService, vod: VodRange, file_name: str, request: Request) -> Response:
    reply = await hls.reply(vod, parse_file_name(file_name), request.url.query)
    media_type = media_types.of_file(file_name)
    if reply.file is not None:
        return await http_cache.file_response(
            request.headers,
            reply.file,
            http_cache.HLS,
            media_type=media_type,
            chunk_size=SEGMENT_CHUNK_BYTES,
            held=reply.lease,
        )
    return http_cache.respond(reply.body, media_type, http_cache.HLS)


@router.get("/vod/{camera_name}/start/{start_ts}/end/{end_ts}/{file_name:hlsfile}")
async def hls_range(
    context: ContextDep,
    camera: CameraDep,
    start_ts: float,
    end_ts: float,
    file_name: str,
    request: Request,
    hls: HlsDep,
) -> Response:
    """A recorded range as HLS (Frigate UI timeline, exports, Home Assistant)."""
    vod = vod_forms.resolve_range(context, camera.name, start_ts, end_ts)
    return await _respond(hls, vod, file_name, request)


@router.get("/vod/clip/{camera_name}/start/{start_ts}/end/{end_ts}/{file_name:hlsfile}")
async def hls_clip(
    context: ContextDep,
    camera: CameraDep,
    start_ts: float,
    end_ts: float,
    file_name: str,
    request: Request,
    hls: HlsDep,
) -> Response:
    """The same range with a discontinuity between recordings (tracking details)."""
    vod = vod_forms.resolve_range(context, camera.name, start_ts, end_ts, discontinuity=True)
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
    vod = await vod_forms.resolve_event(context, identity, event_id, padding)
    return await _respond(hls, vod, file_name, request)


@router.get("/vod/{year_month}/{day}/{hour}/{camera_name}/{file_name:hlsfile}")
async def hls_hour_local(
    context: ContextDep,
    year_month: str,
    day: str,
    hour: str,
    camera: CameraDep,
    file_name: str,
    request: Request,
    hls: HlsDep,
) -> Response:
    """One hour in the server's local time zone."""
    vod = vod_forms.resolve_hour(context, camera.name, year_month, day, hour)
    return await _respond(hls, vod, file_name, request)


@router.get("/vod/{year_month}/{day}/{hour}/{camera_name}/{tz_name}/{file_name:hlsfile}")
async def hls_hour(
    context: ContextDep,
    year_month: str,
    day: str,
    hour: str,
    camera: CameraDep,
    tz_name: str,
    file_name: str,
    request: Request,
    hls: HlsDep,
) -> Response:
    """One hour in a named time zone (`,` for `/`; Home Assistant sends `utc`)."""
    vod = vod_forms.resolve_hour(context, camera.name, year_month, day, hour, tz_name)
    return await _respond(hls, vod, file_name, request)
