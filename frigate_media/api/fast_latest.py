"""A lean ASGI path for the hottest route, `GET {prefix}/{camera}/latest.{ext}`.

Home Assistant polls `latest.jpg` about once a second per dashboard and the Frigate UI refreshes
`latest.webp` for every camera tile. Once the frame is encoded, answering is a cache lookup, and
FastAPI's per-request work (dependency solving, validating 16 query parameters) costs several
times more than the lookup. This path parses the well-formed requests itself and calls the same
auth and the same `services.live.latest_frame` the route uses, and both turn its answer into
headers with `latest_headers` (policy, ETag, Frigate's offline flag). Anything unusual (a
malformed parameter, an error of any kind) goes on to the FastAPI route, which renders the one
canonical answer, so behaviour never differs between the two paths; only the cost does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from frigate_media.api import frigate_headers, http_cache, media_types
from frigate_media.api.media_types import Extension
from frigate_media.auth.identity import Identity
from frigate_media.context import AppContext
from frigate_media.errors import MediaError
from frigate_media.frames.processor import FrameProcessor
from frigate_media.services import latest_query, live
from frigate_media.services.latest_query import latest_request

EXTENSIONS = "|".join(extension.value for extension in Extension)
LATEST_PATH = re.compile(rf"/(?P<camera>[A-Za-z0-9_-]+)/latest\.(?P<ext>{EXTENSIONS})")
INTEGER = re.compile(r"-?\d{1,9}")
# The integer query parameters the route takes (all of them: see services/latest_query.py).
INT_PARAMS = latest_query.NAMES
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


def latest_headers(image: live.LiveImage, store: bool) -> tuple[str, dict[str, str]]:
    """The ETag and headers of a latest frame: its cache policy, Frigate's offline flag, ETag."""
    tag = http_cache.etag(image.key)
    policy = http_cache.live_frame(store=store)
    offline = frigate_headers.offline() if image.offline else None
    return tag, http_cache.validated(policy, tag, offline)


async def latest_response(
    image: live.LiveImage, store: bool, if_none_match: str | None
) -> Response:
    """The route's answer: 304 before any encode when the client already holds this image."""
    tag, headers = latest_headers(image, store)
    if http_cache.matches(if_none_match, tag):
        return http_cache.not_modified(headers)
    body = await image.encode()
    return Response(body, media_type=media_types.of_format(image.image_format), headers=headers)


@dataclass(frozen=True, slots=True)
class LatestAnswer:
    """A latest frame ready to send, kept while its frame is the newest: no work per request."""

    etag: str
    headers: dict[str, str]
    media_type: str
    body: bytes

    def response(self, if_none_match: str | None) -> Response:
        if http_cache.matches(if_none_match, self.etag):
            return http_cache.not_modified(self.headers)
        return Response(self.body, media_type=self.media_type, headers=self.headers)


async def prepared(image: live.LiveImage, store: bool) -> LatestAnswer:
    """Encode (or reuse the encode of) `image` and fix its headers once."""
    tag, headers = latest_headers(image, store)
    body = await image.encode()
    return LatestAnswer(tag, headers, media_types.of_format(image.image_format), body)


class LatestFrameFastPath:
    """Answers well-formed latest-frame GETs; passes everything else to the app unchanged."""

    def __init__(
        self, app: ASGIApp, context: AppContext, frames: FrameProcessor, prefix: str
    ) -> None:
        self.app = app
        self.context = context
        self.frames = frames
        self.prefix = prefix
        # The answer per (camera, format, parameters) for the frame it was made from: dashboards
        # ask the same question many times per frame. Only live answers are kept.
        self._memo: dict[MemoKey, tuple[float, LatestAnswer]] = {}

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
            answer = await self._latest(identity, camera, ext, values)
        except MediaError:
            return None  # the route answers errors, with the one error handler
        return answer.response(headers.get("if-none-match"))

    async def _latest(
        self, identity: Identity, camera: str, ext: str, values: dict[str, int]
    ) -> LatestAnswer:
        """The answer, reused while the camera's frame is the one it was made from."""
        frames = self.frames
        state = frames.state(camera)
        if state is None or frames.is_offline(camera):
            return await self._fresh(identity, camera, latest_request(ext, values))
        key: MemoKey = (camera, ext, tuple(sorted(values.items())))
        frame_time = state.frame.time
        cached = self._memo.get(key)
        if cached is not None and cached[0] == frame_time:
            return cached[1]
        answer = await self._fresh(identity, camera, latest_request(ext, values))
        if len(self._memo) >= MEMO_ENTRIES:
            self._memo.clear()
        # Stored under the frame time read before the call: if a newer frame came meanwhile,
        # the entry never matches again and is simply replaced.
        self._memo[key] = (frame_time, answer)
        return answer

    async def _fresh(
        self, identity: Identity, camera: str, request: latest_query.LatestRequest
    ) -> LatestAnswer:
        image = await live.latest_frame(self.context, self.frames, identity, camera, request)
        return await prepared(image, request.store)
