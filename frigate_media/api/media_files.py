"""Files on disk as HTTP responses: ETag, If-None-Match (304), Range (206) with JSON errors."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from fastapi import Request, Response
from fastapi.responses import FileResponse

from frigate_media.api.streaming import ClosingStreamingResponse
from frigate_media.services.byteranges import check_range
from frigate_media.services.recordings.clips import ClipBody


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    candidates = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in candidates or etag in candidates


def file_response(
    request: Request,
    path: Path,
    *,
    stat: os.stat_result,
    media_type: str,
    etag: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Serve `path` whole, as a 206 range, or as 304 when the client already has it."""
    all_headers = {"etag": etag, "accept-ranges": "bytes", **(headers or {})}
    if _etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=all_headers)
    range_header = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if range_header is not None and (if_range is None or if_range == etag):
        check_range(range_header, stat.st_size)
    return FileResponse(path, media_type=media_type, headers=all_headers, stat_result=stat)


def clip_response(request: Request, body: ClipBody) -> Response:
    """A clip as the service made it: a cached faststart file, or a fragmented MP4 stream."""
    if body.file is not None and body.stat is not None:
        return file_response(
            request,
            body.file,
            stat=body.stat,
            media_type="video/mp4",
            etag=body.etag,
            headers=body.headers,
        )
    assert body.stream is not None
    return ClosingStreamingResponse(body.stream, media_type="video/mp4", headers=body.headers)
