"""Declare in the OpenAPI document what media routes really return, from their path names.

FastAPI documents every route as `application/json` unless each decorator says otherwise.
Rather than repeat `responses=` on every media route, the schema is post-processed once:
a path ending in `.jpg` answers `image/jpeg`, `clip.mp4` answers `video/mp4`, an HLS file
answers a playlist, an init segment or a fragment, and every error is our JSON body.
Clients (and the schemathesis fuzz run) can then check content types against the document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

IMAGES = ("image/jpeg", "image/webp", "image/png")
HLS = ("application/vnd.apple.mpegurl", "video/mp4", "video/iso.segment")
STATIC = (*IMAGES, "video/mp4", "image/gif", "application/octet-stream")
# (path suffix, media types of a 200), first match wins.
SUFFIX_TYPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (".jpg", ("image/jpeg",)),
    (".jpeg", ("image/jpeg",)),
    (".webp", ("image/webp",)),
    (".png", ("image/png",)),
    (".gif", ("image/gif",)),
    (".mp4", ("video/mp4",)),
    (".{extension}", IMAGES),
    (".{format}", IMAGES),
    ("/{file_name}", HLS),
    ("/{file_path}", STATIC),
    ("/review/{review_id}/preview", ("image/gif", "video/mp4")),
)
MJPEG = "multipart/x-mixed-replace;boundary=frame"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"success": {"type": "boolean"}, "message": {"type": "string"}},
    "required": ["success", "message"],
}


def media_types_for(path: str) -> tuple[str, ...] | None:
    """The media types a 200 from `path` carries, or None for JSON routes."""
    for suffix, types in SUFFIX_TYPES:
        if path.endswith(suffix):
            return types
    if path.count("/") == 2 and path.endswith("/{camera_name}"):
        return (MJPEG,)
    return None


def declare_media_types(schema: dict[str, Any]) -> dict[str, Any]:
    """Rewrite the 200 content of media routes and add the JSON error body to every route."""
    for path, operations in schema.get("paths", {}).items():
        types = media_types_for(path)
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if types is not None:
                ok = responses.setdefault("200", {"description": "Media"})
                ok["content"] = {media_type: {} for media_type in types}
            error = {"application/json": {"schema": ERROR_SCHEMA}}
            if "422" in responses:  # our handler answers 422 with the same error body
                responses["422"]["content"] = error
            for status in ("4XX", "5XX"):
                responses.setdefault(status, {"description": "Error", "content": error})
    return schema


def install_media_openapi(app: FastAPI) -> None:
    """Make `app.openapi()` (and /openapi.json) carry the media types."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        # FastAPI caches the generated document; rewriting it again is cheap and idempotent.
        return declare_media_types(generate())

    app.openapi = openapi  # type: ignore[method-assign]
