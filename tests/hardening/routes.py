"""The access table: for every route template, how to fill it for a camera and who may call it.

Keys are (method, path template with every `{param}` written `{}`), so a route keeps its entry
whatever its parameters are called. `mounted_routes(app)` lists what the app really serves;
the access matrix fails for any mounted route that has no entry here, so a new route cannot
skip the suite: add its entry (how to fill it for camera A and camera B, and its kind).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount

from tests.hardening.world import World, hour_parts

Kind = Literal["camera", "admin", "public", "authenticated", "birdseye"]
UrlBuilder = Callable[[World, str], list[str]]
PARAM = re.compile(r"\{[^}:]*(:[^}]*)?\}")


@dataclass(frozen=True)
class Access:
    """How to call one route for a camera, and who may.

    kind: `camera` (allowed when the identity may see the camera), `admin` (admins only),
    `public` (anyone, even with a bad token), `authenticated` (any valid identity),
    `birdseye` (only identities that see every camera).
    """

    kind: Kind
    urls: UrlBuilder
    ok: frozenset[int] = frozenset({200})
    stream: bool = False  # endless or long: read the status and the first chunk, then close


def normalize(path: str) -> str:
    """`/vod/{camera_name}/x/{file_name:hlsfile}` -> `/vod/{}/x/{:hlsfile}` (converters kept)."""
    return PARAM.sub(lambda m: "{" + (m.group(1) or "") + "}", path)


def mounted_routes(app: FastAPI) -> list[tuple[str, str, str]]:
    """(method, normalized template, raw template) for every route the app serves."""
    found: list[tuple[str, str, str]] = []
    for route in iter_route_contexts(app.routes):
        path = route.path
        if isinstance(route.route, Mount) or isinstance(route.original_route, Mount):
            found.append(("GET", normalize(path.rstrip("/") + "/{p:path}"), path))
            continue
        if path is None:
            continue
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                found.append((method, normalize(path), path))
    return found


def _one(template: str) -> UrlBuilder:
    """A builder from a format string over the camera's media (`{m.event_id}`, `{cam}`...)."""

    def build(world: World, camera: str) -> list[str]:
        media = world[camera]
        year_month, day, hour = hour_parts(media.start)
        return [
            template.format(
                cam=camera,
                m=media,
                s=f"{media.start + 1:.1f}",
                e=f"{media.start + 9:.1f}",
                ym=year_month,
                d=day,
                h=hour,
            )
        ]

    return build


def _many(*templates: str) -> UrlBuilder:
    def build(world: World, camera: str) -> list[str]:
        return [url for template in templates for url in _one(template)(world, camera)]

    return build


def _static(prefix: str) -> UrlBuilder:
    def build(world: World, camera: str) -> list[str]:
        return ["/" + path for path in world[camera].static_paths if path.startswith(prefix + "/")]

    return build


HLS_FILES = ("master.m3u8", "index-v1.m3u8", "init-v1.mp4", "seg-1-v1.m4s")
CLIP = "/api/{cam}/start/{s}/end/{e}"
VOD = "/vod/{cam}/start/{s}/end/{e}"
ANY_4XX = frozenset({200, 400, 404})

HLS_ROUTES = {
    "/vod/{}/start/{}/end/{}/{:hlsfile}": [VOD + "/" + name for name in HLS_FILES],
    "/vod/clip/{}/start/{}/end/{}/{:hlsfile}": [
        "/vod/clip/{cam}/start/{s}/end/{e}/" + name for name in HLS_FILES
    ],
    "/vod/event/{}/{:hlsfile}": ["/vod/event/{m.event_id}/" + name for name in HLS_FILES],
    "/vod/{}/{}/{}/{}/{:hlsfile}": ["/vod/{ym}/{d}/{h}/{cam}/" + name for name in HLS_FILES],
    "/vod/{}/{}/{}/{}/{}/{:hlsfile}": ["/vod/{ym}/{d}/{h}/{cam}/utc/" + name for name in HLS_FILES],
}

ROUTES: dict[tuple[str, str], Access] = {
    # Service routes.
    ("GET", "/api/version"): Access("public", _one("/api/version")),
    ("POST", "/api/login"): Access("public", _one("/api/login"), ok=frozenset({400})),
    ("GET", "/api/logout"): Access("public", _one("/api/logout"), ok=frozenset({303})),
    ("GET", "/api/profile"): Access("authenticated", _one("/api/profile")),
    ("GET", "/openapi.json"): Access("public", _one("/openapi.json")),
    ("GET", "/docs"): Access("public", _one("/docs")),
    ("GET", "/docs/oauth2-redirect"): Access("public", _one("/docs/oauth2-redirect")),
    ("GET", "/redoc"): Access("public", _one("/redoc")),
    # Live (issue 3).
    ("GET", "/api/{}"): Access("camera", _one("/api/{cam}"), stream=True),
    ("GET", "/api/{}/ptz/info"): Access("camera", _one("/api/{cam}/ptz/info")),
    ("GET", "/api/{}/latest.{}"): Access(
        "camera", _many("/api/{cam}/latest.jpg", "/api/{cam}/latest.webp")
    ),
    ("GET", "/api/{}/latest.jpg"): Access("camera", _one("/api/{cam}/latest.jpg")),
    # The grid is drawn on a live frame; the world's cameras have no inputs, hence the 502.
    ("GET", "/api/{}/grid.jpg"): Access(
        "camera", _one("/api/{cam}/grid.jpg"), ok=frozenset({200, 502})
    ),
    ("DELETE", "/api/{}/region_grid"): Access("admin", _one("/api/{cam}/region_grid")),
    # Recordings (issue 4).
    ("GET", "/api/{}/recordings/{}/snapshot.{}"): Access(
        "camera", _one("/api/{cam}/recordings/{s}/snapshot.jpg")
    ),
    ("POST", "/api/{}/plus/{}"): Access(
        "camera", _one("/api/{cam}/plus/{s}"), ok=frozenset({200, 400})
    ),
    ("GET", "/api/{}/start/{}/end/{}/clip.mp4"): Access(
        "camera", _one(CLIP + "/clip.mp4"), stream=True
    ),
    ("GET", "/api/vod/{}/start/{}/end/{}"): Access(
        "camera", _one("/api/vod/{cam}/start/{s}/end/{e}")
    ),
    ("GET", "/api/vod/{}/{}/{}/{}"): Access("camera", _one("/api/vod/{ym}/{d}/{h}/{cam}")),
    ("GET", "/api/vod/{}/{}/{}/{}/{}"): Access("camera", _one("/api/vod/{ym}/{d}/{h}/{cam}/utc")),
    ("GET", "/api/vod/event/{}"): Access("camera", _one("/api/vod/event/{m.event_id}")),
    ("GET", "/api/vod/clip/{}/start/{}/end/{}"): Access(
        "camera", _one("/api/vod/clip/{cam}/start/{s}/end/{e}")
    ),
    ("GET", "/recordings/{:path}"): Access("camera", _static("recordings")),
    ("GET", "/clips/{:path}"): Access("camera", _static("clips")),
    ("GET", "/exports/{:path}"): Access("camera", _static("exports")),
    # Events and reviews (issue 5).
    ("GET", "/api/events/{}/snapshot.jpg"): Access(
        "camera", _one("/api/events/{m.event_id}/snapshot.jpg")
    ),
    ("GET", "/api/events/{}/thumbnail.{}"): Access(
        "camera",
        _many("/api/events/{m.event_id}/thumbnail.jpg", "/api/events/{m.event_id}/thumbnail.webp"),
    ),
    ("GET", "/api/events/{}/snapshot-clean.webp"): Access(
        "camera", _one("/api/events/{m.event_id}/snapshot-clean.webp")
    ),
    ("GET", "/api/events/{}/snapshot-clean.{}"): Access(
        "camera", _one("/api/events/{m.event_id}/snapshot-clean.webp")
    ),
    ("GET", "/api/events/{}/clip.mp4"): Access(
        "camera", _one("/api/events/{m.event_id}/clip.mp4"), stream=True
    ),
    ("GET", "/api/events/{}/preview.gif"): Access(
        "camera", _one("/api/events/{m.event_id}/preview.gif")
    ),
    ("GET", "/api/review/{}/clip.mp4"): Access(
        "camera", _one("/api/review/{m.review_id}/clip.mp4"), stream=True
    ),
    # Creating and ending events is admin-only, as in Frigate (require_role(["admin"])).
    ("POST", "/api/events/{}/{}/create"): Access("admin", _one("/api/events/{cam}/person/create")),
    ("PUT", "/api/events/{}/end"): Access(
        "admin", _one("/api/events/{m.event_id}/end"), ok=ANY_4XX
    ),
    ("GET", "/api/{}/{}/best.jpg"): Access("camera", _one("/api/{cam}/person/best.jpg")),
    ("GET", "/api/{}/{}/thumbnail.jpg"): Access("camera", _one("/api/{cam}/person/thumbnail.jpg")),
    ("GET", "/api/{}/{}/clip.mp4"): Access(
        "camera", _one("/api/{cam}/person/clip.mp4"), stream=True
    ),
    ("GET", "/api/{}/{}/snapshot.jpg"): Access("camera", _one("/api/{cam}/person/snapshot.jpg")),
    # Previews (issue 6).
    ("GET", "/api/{}/start/{}/end/{}/preview.gif"): Access("camera", _one(CLIP + "/preview.gif")),
    ("GET", "/api/{}/start/{}/end/{}/preview.mp4"): Access("camera", _one(CLIP + "/preview.mp4")),
    ("GET", "/api/review/{}/preview"): Access(
        "camera",
        _many("/api/review/{m.review_id}/preview", "/api/review/{m.review_id}/preview?format=mp4"),
    ),
    ("GET", "/api/preview/{}/thumbnail.jpg"): Access(
        "camera", _one("/api/preview/{m.preview_frame}/thumbnail.jpg")
    ),
    ("GET", "/api/preview/{}/thumbnail.webp"): Access(
        "camera", _one("/api/preview/{m.preview_frame}/thumbnail.webp")
    ),
    ("GET", "/api/preview/{}/thumbnail.{}"): Access(
        "camera",
        _many(
            "/api/preview/{m.preview_frame}/thumbnail.jpg",
            "/api/preview/{m.preview_frame}/thumbnail.webp",
        ),
    ),
    ("GET", "/api/preview/{}/start/{}/end/{}/frames"): Access(
        "camera", _one("/api/preview/{cam}/start/{s}/end/{e}/frames")
    ),
    ("GET", "/api/preview/{}/start/{}/end/{}"): Access(
        "camera", _one("/api/preview/{cam}/start/{s}/end/{e}")
    ),
    ("GET", "/api/preview/{}/{}/{}/{}/{}"): Access(
        "camera", _one("/api/preview/{ym}/{d}/{h}/{cam}/utc")
    ),
    ("GET", "/api/preview/{}/{}/{}/{}/{}/{}"): Access(
        "camera", _one("/api/preview/{ym}/{d}/{h}/{cam}/utc/100")
    ),
    # HLS (issue 8) at the root and under the API prefix: every file of a playlist.
    **{
        ("GET", prefix + template): Access("camera", _many(*(prefix + url for url in urls)))
        for prefix in ("", "/api")
        for template, urls in HLS_ROUTES.items()
    },
}

# Paths that name no camera but show every camera: only identities that see all may call them.
BIRDSEYE_URLS = ("/api/birdseye/latest.jpg",)
