"""Preview routes: GIF and MP4 of a range, review previews, preview frames, the UI preview lists."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from frigate_media.api import frigate_headers, http_cache, media_types
from frigate_media.api.deps import CameraDep, ContextDep, IdentityDep
from frigate_media.auth.identity import Identity
from frigate_media.context import AppContext
from frigate_media.services.events.ranges import review_preview_range
from frigate_media.services.events.records import REVIEW_PREVIEW, load_review
from frigate_media.services.previews import catalog, encodes
from frigate_media.services.previews.frames import camera_of_frame_name
from frigate_media.services.timeranges import hour_range

router = APIRouter(tags=["previews"])

GifAgeQuery = Query(http_cache.GIF_MAX_AGE, ge=0, description="Max cache age in seconds")
Mp4AgeQuery = Query(http_cache.MP4_MAX_AGE, ge=0, description="Max cache age in seconds")


def gif_response(made: encodes.GifPreview, max_age: int = http_cache.GIF_MAX_AGE) -> Response:
    policy = http_cache.preview(growing=made.live, max_age=max_age)
    return http_cache.respond(made.content, media_types.of_format("gif"), policy)


async def mp4_response(
    request: Request,
    context: AppContext,
    made: encodes.Mp4Preview,
    max_age: int = http_cache.MP4_MAX_AGE,
) -> Response:
    """The cached file with Content-Length and Range support; nginx may serve it instead."""
    behind = context.config.server.behind_frigate_nginx
    return await http_cache.file_response(
        request.headers,
        made.path,
        http_cache.preview(growing=made.live, max_age=max_age),
        media_type=media_types.of_format("mp4"),
        headers=frigate_headers.preview_file(made.file_name, behind_frigate_nginx=behind),
        held=made.lease,
    )


# Static first segments (/preview, /review) come before the camera-first routes.


@router.get("/preview/{file_name}/thumbnail.jpg")
async def preview_thumbnail_jpg(
    file_name: str, context: ContextDep, identity: IdentityDep
) -> Response:
    """One cached preview frame as JPEG."""
    identity.require_camera(camera_of_frame_name(file_name))
    content = await catalog.frame_image(context, file_name, "jpg")
    return http_cache.respond(content, media_types.of_format("jpg"), http_cache.PREVIEW_FRAME)


@router.get("/preview/{file_name}/thumbnail.webp")
async def preview_thumbnail_webp(
    file_name: str, context: ContextDep, identity: IdentityDep
) -> Response:
    """One cached preview frame as stored (WebP)."""
    identity.require_camera(camera_of_frame_name(file_name))
    content = await catalog.frame_image(context, file_name, "webp")
    return http_cache.respond(content, media_types.of_format("webp"), http_cache.PREVIEW_FRAME)


@router.get("/preview/{camera_name}/start/{start_ts}/end/{end_ts}/frames")
async def preview_frames(
    camera: CameraDep, context: ContextDep, start_ts: float, end_ts: float
) -> JSONResponse:
    """File names of the camera's cached (current-hour) preview frames in the range."""
    names = await catalog.frame_names(context, camera.name, start_ts, end_ts)
    return JSONResponse(names)


@router.get("/preview/{camera_name}/start/{start_ts}/end/{end_ts}")
async def preview_clips(
    camera_name: str, context: ContextDep, identity: IdentityDep, start_ts: float, end_ts: float
) -> JSONResponse:
    """Hourly preview MP4s overlapping the range, for one camera or `all` the role may see."""
    cameras = _cameras(camera_name, context, identity)
    clips = await catalog.list_previews(context, cameras, start_ts, end_ts)
    return JSONResponse(clips)


@router.get("/preview/{year_month}/{day}/{hour}/{camera_name}/{tz_name}")
async def preview_hour(
    year_month: str,
    day: int,
    hour: int,
    camera_name: str,
    tz_name: str,
    context: ContextDep,
    identity: IdentityDep,
) -> JSONResponse:
    """Hourly previews of one local hour in a time zone (`America,New_York`)."""
    cameras = _cameras(camera_name, context, identity)
    start, end = hour_range(year_month, day, hour, tz_name)
    clips = await catalog.list_previews(context, cameras, start, end)
    return JSONResponse(clips)


def _cameras(camera_name: str, context: AppContext, identity: Identity) -> list[str]:
    if camera_name == "all":
        return [name for name in context.config.cameras if identity.can_see(name)]
    identity.require_camera(camera_name)
    return [camera_name]


@router.get("/review/{review_id}/preview", response_model=None)
async def review_preview(
    request: Request,
    review_id: str,
    context: ContextDep,
    identity: IdentityDep,
    format: str = "gif",
) -> Response:
    """The review's range padded by 8 s: GIF for `format=gif`, MP4 for anything else."""
    review = await load_review(context, identity, review_id, REVIEW_PREVIEW)
    start, end = review_preview_range(review, context.clock.now())
    if format == "gif":
        made = await encodes.gif(context, review.camera, start, end)
        return gif_response(made)
    made_mp4 = await encodes.mp4(context, review.camera, start, end)
    return await mp4_response(request, context, made_mp4)


@router.get("/{camera_name}/start/{start_ts}/end/{end_ts}/preview.gif")
async def preview_gif(
    camera: CameraDep,
    context: ContextDep,
    start_ts: float,
    end_ts: float,
    max_cache_age: int = GifAgeQuery,
) -> Response:
    """An animated, looping GIF (8 fps, sped up) of the range."""
    made = await encodes.gif(context, camera.name, start_ts, end_ts)
    return gif_response(made, max_cache_age)


@router.get("/{camera_name}/start/{start_ts}/end/{end_ts}/preview.mp4")
async def preview_mp4(
    request: Request,
    camera: CameraDep,
    context: ContextDep,
    start_ts: float,
    end_ts: float,
    max_cache_age: int = Mp4AgeQuery,
) -> Response:
    """A faststart H.264 MP4 of the range, served from a file cached for an hour."""
    made = await encodes.mp4(context, camera.name, start_ts, end_ts)
    return await mp4_response(request, context, made, max_cache_age)
