"""A lean ASGI path for the hottest route, `GET {prefix}/{camera}/latest.{ext}`.

Home Assistant polls `latest.jpg` about once a second per dashboard and the Frigate UI refreshes
`latest.webp` for every camera tile. Once the frame is encoded, answering is a cache lookup, and
FastAPI's per-request work (dependency solving, validating 16 query parameters) costs several
times more than the lookup. This path parses the well-formed requests itself and calls the same
auth and the same `services.live.latest_frame` the route uses. Anything unusual (a malformed
parameter, an error of any kind) goes on to the FastAPI route, which renders the one canonical
answer, so behaviour never differs between the two paths; only the cost does.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from frigate_media.auth.identity import Identity
from frigate_media.context import AppContext
from frigate_media.errors import MediaError
from frigate_media.frames.overlays import DrawOptions
from frigate_media.services import live

LATEST_PATH = re.compile(r"/(?P<camera>[A-Za-z0-9_-]+)/latest\.(?P<ext>jpg|jpeg|png|webp)")
INTEGER = re.compile(r"-?\d{1,9}")
# The route's integer query parameters (see api/routes/live.py), with the defaults it uses.
INT_PARAMS = (
    "bbox",
    "timestamp",
    "zones",
    "mask",
    "motion",
    "paths",
    "regions",
    "quality",
    "height",
    "h",
    "store",
)
MEMO_ENTRIES = 256  # distinct (camera, format, parameters) answers kept for the current frames

MemoKey = tuple[str, str, tuple[tuple[str, int], ...]]


def parse_latest_query(query_string: bytes) -> dict[str, int] | None:
    """The integer parameters of a latest-frame query; None when one is not a plain integer."""
    values: dict[str, int] = {}
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if name in INT_PARAMS:
            if not INTEGER.fullmatch(value):
                return None  # let FastAPI answer with its 422
            values[name] = int(value)  # like FastAPI: the last of repeated values wins
    return values


def latest_request(ext: str, values: dict[str, int]) -> live.LatestRequest:
    """The service request for parsed parameters, exactly as the FastAPI route builds it."""
    height = values.get("height", values.get("h"))
    return live.LatestRequest(
        ext=ext,
        height=height,
        quality=values.get("quality", 70),
        store=bool(values.get("store")),
        options=DrawOptions(
            bounding_boxes=bool(values.get("bbox")),
            timestamp=bool(values.get("timestamp")),
            zones=bool(values.get("zones")),
            mask=bool(values.get("mask")),
            motion_boxes=bool(values.get("motion")),
            regions=bool(values.get("regions")),
            paths=bool(values.get("paths")),
        ),
    )


class LatestFrameFastPath:
    """Answers well-formed latest-frame GETs; passes everything else to the app unchanged."""

    def __init__(self, app: ASGIApp, context: AppContext, prefix: str) -> None:
        self.app = app
        self.context = context
        self.prefix = prefix
        # The service's answer per (camera, format, parameters) for the frame it was made from:
        # dashboards ask the same question many times per frame. Only live answers are kept.
        self._memo: dict[MemoKey, tuple[float, live.ImageReply]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._answer(scope) if scope["type"] == "http" else None
        if response is None:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)

    async def _answer(self, scope: Scope) -> Response | None:
        path: str = scope["path"]
        if scope["method"] != "GET" or not path.startswith(self.prefix):
            return None
        match = LATEST_PATH.fullmatch(path, len(self.prefix))
        if match is None:
            return None
        values = parse_latest_query(scope["query_string"])
        if values is None:
            return None
        headers = Headers(scope=scope)
        camera = match.group("camera")
        ext = match.group("ext")
        try:
            identity = await self.context.auth.identify(
                headers, cookie_parser(headers.get("cookie", "")), self.context.run_db
            )
            identity.require_camera(camera)
            reply = await self._reply(identity, camera, ext, values)
        except MediaError:
            return None  # the route answers errors, with the one error handler
        etag = reply.headers.get("ETag")
        if etag is not None and live.matches(headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=reply.headers)
        return Response(reply.body, media_type=reply.media_type, headers=reply.headers)

    async def _reply(
        self, identity: Identity, camera: str, ext: str, values: dict[str, int]
    ) -> live.ImageReply:
        """The service's answer, reused while the camera's frame is the one it was made from."""
        frames = self.context.frames
        state = frames.state(camera) if frames is not None else None
        if frames is None or state is None or frames.is_offline(camera):
            return await live.latest_frame(
                self.context, identity, camera, latest_request(ext, values), None
            )
        key: MemoKey = (camera, ext, tuple(sorted(values.items())))
        frame_time = state.frame.time
        cached = self._memo.get(key)
        if cached is not None and cached[0] == frame_time:
            return cached[1]
        reply = await live.latest_frame(
            self.context, identity, camera, latest_request(ext, values), None
        )
        if len(self._memo) >= MEMO_ENTRIES:
            self._memo.clear()
        # Stored under the frame time read before the call: if a newer frame came meanwhile,
        # the entry never matches again and is simply replaced.
        self._memo[key] = (frame_time, reply)
        return reply
