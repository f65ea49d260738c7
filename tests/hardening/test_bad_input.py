"""The bad-input catalogue, against a real server process over a real two-camera world.

Every case must get a 4xx JSON error or a bounded 2xx within 10 s; never a 5xx, never a hang,
never a file outside the media tree, never a temp file left behind; the server keeps answering.
Requests go through http.client so paths reach the server byte for byte (no dot-segment
clean-up by the client).
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from tests.conftest import RunningServer
from tests.hardening.conftest import temp_files, wait_for
from tests.hardening.world import BASE_TIME, World

pytestmark = pytest.mark.e2e
DEADLINE = 10.0
BODY_LIMIT = 4 * 1024 * 1024
STREAM_READ = 3.0  # an endless stream (MJPEG) is read this long after its headers

A_EVENT = "{A_EVENT}"  # replaced by camera A's event id
S, E = f"{BASE_TIME + 1:.1f}", f"{BASE_TIME + 9:.1f}"
TEN_YEARS_AGO = f"{BASE_TIME - 10 * 365 * 86400:.0f}"
CLIP = f"/api/front/start/{S}/end/{E}"


@dataclass(frozen=True)
class Case:
    path: str
    method: str = "GET"
    must_refuse: bool = False  # a 2xx would be wrong (traversal, non-numbers...)
    must_succeed: bool = False  # a client sends this for real (exponent timestamps)
    status: int | None = None  # the exact status, where Frigate's is known (static media)


CASES: dict[str, Case] = {
    # Traversal in every name: raw, encoded, double-encoded, absolute.
    "event id ../ raw": Case("/api/events/../../config/frigate.db/snapshot.jpg", must_refuse=True),
    "event id %2F": Case(
        "/api/events/..%2F..%2Fconfig%2Ffrigate.db/snapshot.jpg", must_refuse=True
    ),
    "event id %2e%2e": Case("/api/events/%2e%2e/thumbnail.jpg", must_refuse=True),
    "event id in clip": Case("/api/events/front-%2Fetc%2Fpasswd/clip.mp4", must_refuse=True),
    "preview file ..": Case(
        "/api/preview/..%2F..%2Fconfig%2Ffrigate.db/thumbnail.webp", must_refuse=True
    ),
    "preview file bare ..": Case("/api/preview/../thumbnail.webp", must_refuse=True),
    "preview file absolute": Case("/api/preview/%2Fetc%2Fpasswd/thumbnail.jpg", must_refuse=True),
    "preview camera escape": Case(
        "/api/preview/preview_front-..%2F..%2F..%2Fconfig%2Ffrigate.db/thumbnail.jpg",
        must_refuse=True,
    ),
    # Static media: dot segments are 403 for everyone (Frigate's media auth since 0.17); a
    # double-encoded dot is a plain name and an encoded leading slash an empty segment (404).
    "static clips ..": Case("/clips/..%2F..%2Fconfig%2Ffrigate.db", must_refuse=True, status=403),
    "static clips %2e%2e": Case(
        "/clips/%2e%2e/%2e%2e/config/frigate.db", must_refuse=True, status=403
    ),
    "static clips %2E%2E": Case(
        "/clips/%2E%2E/%2E%2E/config/frigate.db", must_refuse=True, status=403
    ),
    "static clips raw .": Case("/clips/./../config/frigate.db", must_refuse=True, status=403),
    "static recordings camera hop": Case(
        "/recordings/2024-06-21/20/front/../back/00.00.mp4", must_refuse=True, status=403
    ),
    "static recordings absolute": Case("/recordings/%2Fetc%2Fpasswd", must_refuse=True, status=404),
    "static exports raw ..": Case("/exports/../../config/frigate.db", must_refuse=True, status=403),
    "static double encoded": Case(
        "/clips/%252e%252e/%252e%252e/config/frigate.db", must_refuse=True, status=404
    ),
    "camera name traversal": Case("/api/..%2F..%2Fetc/latest.jpg", must_refuse=True),
    "label traversal": Case("/api/front/%2e%2e/best.jpg", must_refuse=True),
    "label double decoded": Case("/api/front/%252e%252e%252fback/snapshot.jpg"),
    "vod camera traversal": Case("/api/vod/..%2Fback/start/1/end/2", must_refuse=True),
    "hls event traversal": Case("/vod/event/..%2F..%2Fetc/master.m3u8", must_refuse=True),
    "hls file name traversal": Case(
        f"/vod/front/start/{S}/end/{E}/..%2F..%2Fconfig%2Ffrigate.db", must_refuse=True
    ),
    "null byte in event id": Case("/api/events/abc%00def/snapshot.jpg", must_refuse=True),
    "null byte in static": Case("/clips/front-%00.jpg", must_refuse=True, status=400),
    "region grid unknown camera": Case(
        "/api/nowhere/region_grid", method="DELETE", must_refuse=True, status=404
    ),
    "region grid camera traversal": Case(
        "/api/..%2F..%2Fetc/region_grid", method="DELETE", must_refuse=True
    ),
    # Timestamps: NaN, inf, exponent, huge, reversed, ten years.
    "clip nan": Case("/api/front/start/nan/end/nan/clip.mp4", must_refuse=True),
    "clip inf": Case("/api/front/start/-inf/end/inf/clip.mp4", must_refuse=True),
    "snapshot nan": Case("/api/front/recordings/nan/snapshot.jpg", must_refuse=True),
    "snapshot 1e400": Case("/api/front/recordings/1e400/snapshot.jpg", must_refuse=True),
    "snapshot exponent": Case(
        f"/api/front/recordings/{BASE_TIME + 3:.6e}/snapshot.jpg".replace("+", "%2B"),
        must_succeed=True,
    ),
    "vod huge": Case("/api/vod/front/start/1e308/end/1.7e308", must_refuse=True),
    "vod infinity word": Case("/api/vod/front/start/Infinity/end/Infinity", must_refuse=True),
    "clip start after end": Case(f"/api/front/start/{E}/end/{S}/clip.mp4", must_refuse=True),
    "vod start after end": Case(f"/api/vod/front/start/{E}/end/{S}", must_refuse=True),
    "preview gif start after end": Case(
        f"/api/front/start/{E}/end/{S}/preview.gif", must_refuse=True
    ),
    "clip ten years": Case(f"/api/front/start/{TEN_YEARS_AGO}/end/{E}/clip.mp4"),
    "vod ten years": Case(f"/api/vod/front/start/{TEN_YEARS_AGO}/end/{E}", must_refuse=True),
    "hls ten years": Case(
        f"/vod/front/start/{TEN_YEARS_AGO}/end/{E}/master.m3u8", must_refuse=True
    ),
    "hls ten years index": Case(
        f"/api/vod/front/start/{TEN_YEARS_AGO}/end/{E}/index.m3u8", must_refuse=True
    ),
    "hls day letters": Case("/vod/2024-06/xx/20/front/utc/index.m3u8", must_refuse=True),
    "preview gif ten years": Case(f"/api/front/start/{TEN_YEARS_AGO}/end/{E}/preview.gif"),
    "preview mp4 huge range": Case("/api/front/start/-1e18/end/1e18/preview.mp4"),
    "negative timestamps": Case("/api/front/start/-20/end/-10/clip.mp4"),
    # Sizes, fps and quality: zero, negative, huge.
    "latest height 0": Case("/api/front/latest.jpg?height=0"),
    "latest height negative": Case("/api/front/latest.jpg?height=-5"),
    "latest height huge": Case("/api/front/latest.jpg?height=100000"),
    "latest quality out of range": Case("/api/front/latest.jpg?quality=1000"),
    "mjpeg fps 0": Case("/api/front?fps=0"),
    "mjpeg fps negative height negative": Case("/api/front?fps=-1&height=-1"),
    "mjpeg fps huge": Case("/api/front?fps=100000&height=100000"),
    "event snapshot huge height": Case(
        f"/api/events/{A_EVENT}/snapshot.jpg?height=100000&quality=1000"
    ),
    "event snapshot negative height": Case(f"/api/events/{A_EVENT}/snapshot.jpg?height=-1"),
    "thumbnail negative cache age": Case(f"/api/events/{A_EVENT}/thumbnail.jpg?max_cache_age=-1"),
    "recording snapshot negative height": Case(
        f"/api/front/recordings/{S}/snapshot.jpg?height=-10"
    ),
    "recording snapshot huge height": Case(f"/api/front/recordings/{S}/snapshot.jpg?height=99999"),
    "review clip negative padding": Case("/api/review/nope/clip.mp4?padding=-100000000"),
    # Time zones and dates.
    "unknown time zone": Case("/api/vod/2024-06/21/20/front/Mars%2FOlympus", must_refuse=True),
    "time zone traversal": Case(
        "/api/vod/2024-06/21/20/front/..%2F..%2Fetc%2Flocaltime", must_refuse=True
    ),
    "month 13": Case("/api/vod/2024-13/21/20/front", must_refuse=True),
    "day 32": Case("/api/vod/2024-06/32/20/front", must_refuse=True),
    "hour 25": Case("/api/vod/2024-06/21/25/front", must_refuse=True),
    "date letters": Case("/api/vod/abcd-ef/gh/ij/front", must_refuse=True),
    "preview hour bad zone": Case("/api/preview/2024-06/21/20/front/Not%2FAZone", must_refuse=True),
    "hls hour bad zone": Case(
        "/vod/2024-06/21/20/front/Nowhere%2FAtAll/master.m3u8", must_refuse=True
    ),
    # Overlong and unicode names.
    "overlong camera": Case("/api/" + "a" * 5000 + "/latest.jpg", must_refuse=True),
    "overlong event id": Case("/api/events/" + "x" * 5000 + "/snapshot.jpg", must_refuse=True),
    "overlong preview file": Case(
        "/api/preview/preview_front-" + "9" * 3000 + ".webp/thumbnail.webp", must_refuse=True
    ),
    "unicode camera": Case(f"/api/%E2%98%83/start/{S}/end/{E}/clip.mp4", must_refuse=True),
    "unicode label": Case("/api/front/%F0%9F%90%B1/best.jpg"),
    "unicode event id": Case("/api/events/%E2%80%AE%E2%98%83/snapshot.jpg", must_refuse=True),
    "unknown camera": Case(f"/api/nowhere/start/{S}/end/{E}/clip.mp4", must_refuse=True),
    # Non-numeric path values.
    "clip words": Case("/api/front/start/abc/end/def/clip.mp4", must_refuse=True),
    "snapshot now": Case("/api/front/recordings/now/snapshot.jpg", must_refuse=True),
    "plus words": Case("/api/front/plus/abc", method="POST", must_refuse=True),
    "vod words": Case("/api/vod/front/start/x/end/y", must_refuse=True),
    "hls segment number words": Case(
        f"/vod/front/start/{S}/end/{E}/seg-x-v1.m4s", must_refuse=True
    ),
    "hls segment zero": Case(f"/vod/front/start/{S}/end/{E}/seg-0-v1.m4s", must_refuse=True),
    "hls segment huge": Case(
        f"/vod/front/start/{S}/end/{E}/seg-99999999999-v1.m4s", must_refuse=True
    ),
    # Methods.
    "HEAD clip": Case(CLIP + "/clip.mp4", method="HEAD"),
    "HEAD event snapshot": Case(f"/api/events/{A_EVENT}/snapshot.jpg", method="HEAD"),
    "HEAD playlist": Case(f"/vod/front/start/{S}/end/{E}/master.m3u8", method="HEAD"),
    "HEAD mjpeg": Case("/api/front", method="HEAD"),
    "OPTIONS snapshot": Case(
        f"/api/events/{A_EVENT}/snapshot.jpg", method="OPTIONS", must_refuse=True
    ),
    "OPTIONS latest": Case("/api/front/latest.jpg", method="OPTIONS", must_refuse=True),
    "DELETE snapshot": Case(
        f"/api/events/{A_EVENT}/snapshot.jpg", method="DELETE", must_refuse=True
    ),
}


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    seconds: float


def send(server: RunningServer, method: str, path: str) -> Answer:
    """One request with the path sent as is; reads at most BODY_LIMIT bytes of the body."""
    location = urlsplit(server.base_url)
    connection = http.client.HTTPConnection(location.hostname, location.port, timeout=DEADLINE)
    started = time.monotonic()
    try:
        connection.request(method, path)
        response = connection.getresponse()
        body = b""
        until = min(started + DEADLINE, time.monotonic() + STREAM_READ)
        if method != "HEAD":
            while len(body) < BODY_LIMIT and time.monotonic() < until:
                chunk = response.read1(256 * 1024)
                if not chunk:
                    break
                body += chunk
        content_type = response.getheader("content-type", "")
        return Answer(response.status, content_type, body, time.monotonic() - started)
    finally:
        connection.close()


@pytest.fixture(scope="module")
def open_server(world: World, world_server_factory: Callable[..., RunningServer]) -> RunningServer:
    return world_server_factory({"auth": {"enabled": False}})


def test_the_catalogue_has_at_least_forty_cases() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_gets_a_clear_answer_in_time_and_leaves_nothing_behind(
    name: str, open_server: RunningServer, world: World
) -> None:
    case = CASES[name]
    path = case.path.replace(A_EVENT, world["front"].event_id)
    before = temp_files(world)
    answer = send(open_server, case.method, path)
    assert answer.status < 500, (answer.status, answer.body[:300])
    assert answer.seconds < DEADLINE + 1, answer.seconds
    if case.must_refuse:
        assert 400 <= answer.status < 500, (answer.status, answer.body[:200])
    if case.must_succeed:
        assert answer.status == 200, answer.body[:300]
    if case.status is not None:
        assert answer.status == case.status, (answer.status, answer.body[:200])
    if 400 <= answer.status < 500 and case.method != "HEAD":
        assert answer.content_type.startswith("application/json"), answer.content_type
        payload = json.loads(answer.body)
        assert payload["success"] is False and payload["message"]
    if case.method == "HEAD":
        assert answer.body == b""
    assert b"CREATE TABLE" not in answer.body and b"root:x:0:0" not in answer.body
    # The server still answers, and no temp file outlives the request.
    assert send(open_server, "GET", "/api/version").status == 200
    assert wait_for(lambda: temp_files(world) <= before, timeout=10), temp_files(world) - before
