"""Frigate's nginx with docker/frigate-media-nginx/: every media URL form clients use reaches
frigate-media after Frigate's /auth, carrying Frigate's identity; everything else reaches
Frigate (the stand-in of stand_in.py, since Frigate itself cannot run here); a 401 from /auth
ends a request before frigate-media. Debian's real nginx, a real frigate-media server."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from frigate_media.app import create_app
from frigate_media.config import parse_config
from tests.beside.nginx import (
    FRIGATE_SHAPED,
    PATCH_SCRIPT,
    TEST_ID_HEADER,
    Routed,
    RunningNginx,
)
from tests.beside.stand_in import FrigateStandIn, identity_cookie
from tests.beside.urls import (
    CLIENT_FORMS,
    FRIGATE_PATHS,
    HLS_FORMS,
    fill,
)
from tests.conftest import RunningServer, base_config_dict
from tests.hardening.routes import BIRDSEYE_URLS, ROUTES, mounted_routes
from tests.hardening.world import CAMERA_A, CAMERA_B, World

pytestmark = pytest.mark.e2e

ALICE = identity_cookie("alice", "front_only")  # role front_only sees camera front only
ROOT = identity_cookie("root", "admin")
ALLOWED, DENIED = CAMERA_A, CAMERA_B


@dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: bytes
    routed: Routed


def fetch(
    nginx: RunningNginx,
    url: str,
    headers: dict[str, str],
    *,
    method: str = "GET",
    stream: bool = False,
) -> Answer:
    """One request through nginx; `stream` reads only the first chunk of an endless body."""
    test_id = uuid.uuid4().hex
    sent = {**headers, TEST_ID_HEADER: test_id}
    with (
        httpx.Client(base_url=nginx.base_url, timeout=30) as client,
        client.stream(method, url, headers=sent) as response,
    ):
        body = b""
        for chunk in response.iter_bytes():
            body += chunk
            if stream:
                break
    return Answer(response.status_code, response.headers, body, nginx.routed(test_id))


def port_of(server: RunningServer) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


def assert_reached_frigate_media(answer: Answer, frigate_media: RunningServer, url: str) -> None:
    assert answer.routed.upstream_ports == (port_of(frigate_media),), (url, answer.routed)


def assert_refused_by_frigate_media(
    answer: Answer, frigate_media: RunningServer, url: str, camera: str = DENIED
) -> None:
    """403 from frigate-media itself, naming the camera: the role nginx passed on applied."""
    assert_reached_frigate_media(answer, frigate_media, url)
    assert answer.status == 403, (url, answer.status, answer.body[:200])
    assert f"camera '{camera}'" in answer.body.decode(), (url, answer.body[:200])


def assert_checked_by_frigate_auth(stand_in: FrigateStandIn, urls: list[str]) -> None:
    """Frigate's /auth saw each request first (its X-Original-URL), and nothing else came."""
    checked = [seen.headers["x-original-url"].split("/", 3)[3] for seen in stand_in.auth_checks()]
    assert sorted(checked) == sorted(url.lstrip("/") for url in urls)


@pytest.mark.parametrize("name", sorted(set(CLIENT_FORMS) - set(HLS_FORMS)))
def test_a_client_media_url_reaches_frigate_media_with_frigates_identity(
    name: str,
    nginx: RunningNginx,
    stand_in: FrigateStandIn,
    frigate_media: RunningServer,
    world: World,
) -> None:
    form = CLIENT_FORMS[name]
    allowed, denied = fill(form.template, world, ALLOWED), fill(form.template, world, DENIED)
    stand_in.clear()

    answer = fetch(nginx, allowed, {**ALICE, **form.headers}, stream=form.stream)
    assert_reached_frigate_media(answer, frigate_media, allowed)
    assert answer.status in form.ok, (allowed, answer.status, answer.body[:300])
    if answer.status < 300:
        assert answer.headers["content-type"].startswith(form.expected_type(allowed))
        assert answer.body
    refused = fetch(nginx, denied, {**ALICE, **form.headers}, stream=form.stream)
    assert_refused_by_frigate_media(refused, frigate_media, denied)

    assert stand_in.proxied() == []
    assert_checked_by_frigate_auth(stand_in, [allowed, denied])


@pytest.mark.parametrize("name", sorted(HLS_FORMS))
def test_vod_hls_stays_with_nginx_vod_by_default(
    name: str, nginx: RunningNginx, stand_in: FrigateStandIn, world: World
) -> None:
    """Frigate's nginx-vod packages it (and fetches the JSON from us: the vod-json forms)."""
    url = fill(HLS_FORMS[name].template, world, ALLOWED)
    stand_in.clear()

    answer = fetch(nginx, url, ALICE)

    assert answer.routed.upstream_ports == (stand_in.port,)
    [seen] = stand_in.proxied()
    assert (seen.location, seen.path) == ("nginx-vod", url)
    assert seen.headers["remote-role"] == "front_only"


@pytest.fixture(scope="module")
def nginx_builtin_hls(
    nginx_factory: Callable[..., RunningNginx], frigate_media: RunningServer
) -> RunningNginx:
    """The HLS option switched in http.conf: /vod/ playlists and segments from frigate-media."""
    return nginx_factory(port_of(frigate_media), hls="frigate-media")


@pytest.mark.parametrize("name", sorted(HLS_FORMS))
def test_the_builtin_hls_option_serves_vod_hls_from_frigate_media(
    name: str,
    nginx_builtin_hls: RunningNginx,
    stand_in: FrigateStandIn,
    frigate_media: RunningServer,
    world: World,
) -> None:
    template = HLS_FORMS[name].template
    allowed, denied = fill(template, world, ALLOWED), fill(template, world, DENIED)
    stand_in.clear()

    answer = fetch(nginx_builtin_hls, allowed + "?authSig=abc", ALICE)
    assert_reached_frigate_media(answer, frigate_media, allowed)
    assert answer.status == 200, (allowed, answer.status, answer.body[:300])
    if allowed.endswith(".m3u8"):
        playlist = answer.body.decode()
        assert playlist.startswith("#EXTM3U")
        uris = [line for line in playlist.splitlines() if line and not line.startswith("#")]
        assert uris and all("/" not in uri and uri.endswith("?authSig=abc") for uri in uris)
    refused = fetch(nginx_builtin_hls, denied, ALICE)
    assert_refused_by_frigate_media(refused, frigate_media, denied)
    assert stand_in.proxied() == []


def test_hls_files_the_builtin_hls_does_not_make_stay_with_nginx_vod(
    nginx_builtin_hls: RunningNginx, stand_in: FrigateStandIn, world: World
) -> None:
    stand_in.clear()
    for name in ("hls-mpegts-segment", "hls-iframes"):
        url = fill(FRIGATE_PATHS[name].template, world, ALLOWED)
        assert fetch(nginx_builtin_hls, url, ALICE).routed.upstream_ports == (stand_in.port,)
    assert [seen.location for seen in stand_in.proxied()] == ["nginx-vod", "nginx-vod"]


def _mounted(world: World) -> list[tuple[str, str]]:
    """(method, route key) of every route the app serves, keyed as the hardening table is."""
    app = create_app(parse_config(base_config_dict(world.root)), background=False)
    return sorted({(method, key) for method, key, _ in mounted_routes(app)})


def _media_route_urls(world: World) -> list[tuple[str, str, str]]:
    """(route, URL for camera A, URL for camera B) for every GET camera route frigate-media
    mounts, filled by the hardening suite's table (which every mounted route must join)."""
    found = []
    for method, template in _mounted(world):
        access = ROUTES[(method, template)]
        if method != "GET" or access.kind != "camera":
            continue
        for url_a, url_b in zip(
            access.urls(world, ALLOWED), access.urls(world, DENIED), strict=True
        ):
            found.append((template, url_a, url_b))
    return found


def test_every_get_camera_route_frigate_media_serves_is_routed_to_it(
    nginx: RunningNginx, stand_in: FrigateStandIn, frigate_media: RunningServer, world: World
) -> None:
    """Every form, not only the ones clients use; root /vod/ HLS is nginx-vod's by default."""
    stand_in.clear()
    nginx_vod = 0
    for template, url_a, url_b in _media_route_urls(world):
        if template.startswith("/vod/"):
            nginx_vod += 1
            answer = fetch(nginx, url_a, ALICE)
            assert answer.routed.upstream_ports == (stand_in.port,), url_a
            continue
        stream = ROUTES[("GET", template)].stream
        answer = fetch(nginx, url_a, ALICE, stream=stream)
        assert_reached_frigate_media(answer, frigate_media, url_a)
        assert answer.status not in (401, 403, 404), (url_a, answer.status, answer.body[:200])
        assert_refused_by_frigate_media(fetch(nginx, url_b, ALICE), frigate_media, url_b)
    for url in BIRDSEYE_URLS:  # shows every camera: refused to a role that sees one
        refused = fetch(nginx, url, ALICE)
        assert_refused_by_frigate_media(refused, frigate_media, url, camera="birdseye")
    assert {seen.location for seen in stand_in.proxied()} == {"nginx-vod"}
    assert len(stand_in.proxied()) == nginx_vod


def test_frigate_media_service_routes_stay_with_frigate(
    nginx: RunningNginx, stand_in: FrigateStandIn, world: World
) -> None:
    """version, login, logout, profile and API docs are Frigate's even though we have them."""
    stand_in.clear()
    service = [
        (method, template)
        for method, template in _mounted(world)
        if ROUTES[(method, template)].kind != "camera" and "{" not in template
    ]
    assert ("GET", "/api/version") in service
    for method, url in service:
        answer = fetch(nginx, url, ALICE, method=method)
        assert answer.routed.upstream_ports == (stand_in.port,), (method, url, answer.routed)
    assert len(stand_in.proxied()) == len(service)


@pytest.mark.parametrize("name", sorted(FRIGATE_PATHS))
def test_every_other_path_reaches_frigate(
    name: str, nginx: RunningNginx, stand_in: FrigateStandIn, world: World
) -> None:
    path = FRIGATE_PATHS[name]
    url = fill(path.template, world, ALLOWED)
    stand_in.clear()

    answer = fetch(nginx, url, ALICE, method=path.method)

    assert answer.routed.upstream_ports == (stand_in.port,), (url, answer.routed)
    assert answer.status in (200, 202)  # 202: the stand-in's /auth, which /api/auth is
    [seen] = stand_in.proxied()
    assert (seen.method, seen.location) == (path.method, path.location)
    if path.location not in ("api-login", "ui", "ui-manifest"):  # Frigate's public locations
        assert seen.headers["remote-user"] == "alice"
        assert seen.headers["remote-role"] == "front_only"


def test_a_single_segment_that_is_no_camera_falls_back_to_frigate(
    nginx: RunningNginx, stand_in: FrigateStandIn, frigate_media: RunningServer
) -> None:
    """A route a later Frigate adds at /api/<name>: frigate-media's 404 hands it to Frigate."""
    stand_in.clear()

    answer = fetch(nginx, "/api/added_in_a_later_frigate?x=1", ROOT)

    assert answer.status == 200
    assert answer.routed.upstream_ports == (port_of(frigate_media), stand_in.port)
    [seen] = stand_in.proxied()
    assert seen.path == "/added_in_a_later_frigate?x=1"
    assert (seen.headers["remote-user"], seen.headers["remote-role"]) == ("root", "admin")


@pytest.mark.parametrize("name", sorted(CLIENT_FORMS))
def test_a_401_from_frigates_auth_stops_the_request_before_frigate_media(
    name: str, nginx: RunningNginx, stand_in: FrigateStandIn, world: World
) -> None:
    url = fill(CLIENT_FORMS[name].template, world, ALLOWED)
    stand_in.clear()

    answer = fetch(nginx, url, {"Cookie": "frigate_token=expired"})

    assert answer.status == 401
    assert answer.routed.upstream_ports == ()  # no upstream at all: frigate-media saw nothing
    assert stand_in.proxied() == []
    assert_checked_by_frigate_auth(stand_in, [url])


def test_identity_headers_sent_by_a_client_are_replaced_by_frigates(
    nginx: RunningNginx, stand_in: FrigateStandIn, frigate_media: RunningServer
) -> None:
    forged = {"Remote-User": "root", "Remote-Role": "admin"}
    url = f"/api/{DENIED}/latest.jpg"

    assert_refused_by_frigate_media(fetch(nginx, url, {**ALICE, **forged}), frigate_media, url)
    anonymous = fetch(nginx, url, forged)
    assert (anonymous.status, anonymous.routed.upstream_ports) == (401, ())


def test_a_head_request_is_answered_by_frigate_media_like_its_get(
    nginx: RunningNginx, frigate_media: RunningServer
) -> None:
    url = f"/api/{ALLOWED}/latest.jpg"

    answer = fetch(nginx, url, ALICE, method="HEAD")

    assert_reached_frigate_media(answer, frigate_media, url)
    assert (answer.status, answer.body) == (200, b"")
    assert answer.headers["content-type"] == "image/jpeg"
    assert "etag" in answer.headers  # the sign docs/beside-frigate-nginx.md tells users to check


def test_the_internal_locations_cannot_be_asked_for_from_outside(
    nginx: RunningNginx, stand_in: FrigateStandIn
) -> None:
    stand_in.clear()
    for url in ("/_frigate_media/api/front/latest.jpg", "/_frigate_media_camera/api/front"):
        answer = fetch(nginx, url, ROOT)
        assert (answer.status, answer.routed.upstream_ports) == (404, ()), url
    assert stand_in.proxied() == []


@pytest.fixture(scope="module")
def echo(
    nginx_factory: Callable[..., RunningNginx],
) -> Iterator[tuple[RunningNginx, FrigateStandIn]]:
    """nginx whose frigate-media address points at a second recorder, to read the exact
    request frigate-media would get (path, identity headers)."""
    recorder = FrigateStandIn().start()
    yield nginx_factory(recorder.port), recorder
    recorder.stop()


@pytest.mark.parametrize(
    ("url", "upstream_path"),
    [
        ("/api/front/latest.jpg?h=268", "/front/latest.jpg?h=268"),
        ("/api/front?fps=1", "/front?fps=1"),
        ("/api/vod/front/start/1.5/end/9", "/vod/front/start/1.5/end/9"),
        ("/api/events/1.5-ab/snapshot.jpg?bbox=1", "/events/1.5-ab/snapshot.jpg?bbox=1"),
        ("/api/front/recordings/1.7e+09/snapshot.jpg", "/front/recordings/1.7e+09/snapshot.jpg"),
        ("/clips/review/thumb-front-1.webp", "/clips/review/thumb-front-1.webp"),
        ("/recordings/2024-06-21/20/front/00.00.mp4", "/recordings/2024-06-21/20/front/00.00.mp4"),
    ],
)
def test_frigate_media_gets_the_path_without_prefix_and_frigates_identity(
    url: str, upstream_path: str, echo: tuple[RunningNginx, FrigateStandIn]
) -> None:
    nginx, recorder = echo
    recorder.clear()

    answer = fetch(nginx, url, {**ALICE, "Remote-Role": "admin"})

    assert answer.status == 200
    [seen] = recorder.proxied()
    assert (seen.method, seen.path) == ("GET", upstream_path)
    assert (seen.headers["remote-user"], seen.headers["remote-role"]) == ("alice", "front_only")
    assert seen.headers["x-forwarded-for"] == "127.0.0.1"
    assert seen.headers["x-forwarded-host"] == nginx.base_url.removeprefix("http://")
    assert "connection" not in seen.headers  # HTTP/1.1 kept alive to frigate-media


def test_the_patch_script_adds_both_includes_once_and_refuses_an_unknown_shape() -> None:
    frigate_conf = (FRIGATE_SHAPED / "nginx.conf").read_bytes()

    def patch(conf: bytes) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(["sh", str(PATCH_SCRIPT)], input=conf, capture_output=True)

    patched = patch(frigate_conf)
    assert patched.returncode == 0
    lines = [line.strip() for line in patched.stdout.decode().splitlines()]
    for anchor, ours in (
        ("include go2rtc_upstream.conf;", "include frigate-media/http.conf;"),
        ("include auth_location.conf;", "include frigate-media/server.conf;"),
    ):
        assert lines.count(ours) == 1
        assert lines[lines.index(anchor) + 1] == ours
    assert patch(patched.stdout).stdout == patched.stdout  # idempotent
    broken = patch(frigate_conf.replace(b"include auth_location.conf;", b""))
    assert (broken.returncode, broken.stdout) == (1, b"")
