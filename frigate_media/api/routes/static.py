"""Static media at the root, as Frigate's nginx serves it: `/recordings`, `/clips`, `/exports`."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from frigate_media.api import http_cache, media_types
from frigate_media.api.deps import ContextDep, IdentityDep
from frigate_media.services import static_media

router = APIRouter(tags=["static"])


async def _serve(
    request: Request, context: ContextDep, identity: IdentityDep, root: str, file_path: str
) -> Response:
    found = await static_media.static_file(context, identity, root, file_path)
    return await http_cache.file_response(
        request.headers,
        found.path,
        http_cache.static_file(found.root),
        media_type=media_types.of_file(found.path),
        stat=found.stat,
    )


@router.get("/recordings/{file_path:path}")
async def recording_file(
    request: Request, context: ContextDep, identity: IdentityDep, file_path: str
) -> Response:
    """A recording segment `<date>/<hour>/<camera>/<MM.SS>.mp4`, with Range."""
    return await _serve(request, context, identity, "recordings", file_path)


@router.get("/clips/{file_path:path}")
async def clip_file(
    request: Request, context: ContextDep, identity: IdentityDep, file_path: str
) -> Response:
    """A snapshot, thumbnail, preview or review thumbnail under the clips dir."""
    return await _serve(request, context, identity, "clips", file_path)


@router.get("/exports/{file_path:path}")
async def export_file(
    request: Request, context: ContextDep, identity: IdentityDep, file_path: str
) -> Response:
    """An exported MP4 (its camera comes from the `export` table)."""
    return await _serve(request, context, identity, "exports", file_path)
