"""Issue 15's smaller faults, each against a real server: non-finite or overflowing `draw` boxes,
unbounded `draw` payloads, images upscaled to any `height`, absolute paths in error messages, and
a symlink that shows one camera's file under another camera's path.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from frigate_media import imaging
from tests.conftest import RunningServer
from tests.hardening.conftest import token, wait_for
from tests.hardening.world import BASE_TIME, World, hour_parts
from tests.support.db import add_recording

pytestmark = pytest.mark.e2e
AUTH_OFF = {"auth": {"enabled": False}}
CREATE = "/api/events/front/person/create"
BROKEN_START = BASE_TIME + 3600  # an hour with one unreadable recording of camera A
SOURCE_HEIGHT = 360  # the world's snapshots and recordings are 640x360


@pytest.fixture(scope="module")
def server(world: World, world_server_factory: Callable[..., RunningServer]) -> RunningServer:
    garbage = world.root / "generated" / "garbage.mp4"
    garbage.write_bytes(b"this is not a video " * 4096)
    add_recording(world.db_path, world.media_dir / "recordings", "front", BROKEN_START, garbage, 10)
    return world_server_factory(AUTH_OFF)


def create(server: RunningServer, body: str | bytes) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    return httpx.post(server.url(CREATE), content=body, headers=headers, timeout=30)


def event_count(world: World) -> int:
    with sqlite3.connect(world.db_path) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM event").fetchone()[0])


@pytest.mark.parametrize(
    "box",
    [
        "[1e308, 0.1, 0.2, 0.2]",
        "[0.1, 0.1, 1e308, 0.2]",
        "[NaN, 0.1, 0.2, 0.2]",
        "[0.1, Infinity, 0.2, 0.2]",
    ],
    ids=["1e308", "1e308 width", "NaN", "Infinity"],
)
def test_draw_boxes_with_overflowing_or_non_finite_numbers_are_400_not_500(
    box: str, world: World, server: RunningServer
) -> None:
    before = event_count(world)
    response = create(server, '{"draw": {"boxes": [{"box": ' + box + ', "score": 90}]}}')
    assert response.status_code == 400, response.text[:300]
    assert response.json()["success"] is False
    assert event_count(world) == before
    fine = create(server, json.dumps({"draw": {"boxes": [{"box": [0.1, 0.1, 0.2, 0.2]}]}}))
    assert fine.status_code == 200, fine.text[:300]


@pytest.mark.parametrize(
    "draw",
    [
        {"boxes": [{"box": [0.1, 0.1, 0.1, 0.1]} for _ in range(1000)]},
        {"boxes": [], "note": "x" * 200_000},
    ],
    ids=["1000 boxes", "200 KB of JSON"],
)
def test_a_big_draw_payload_is_refused_and_not_stored(
    draw: dict[str, object], world: World, server: RunningServer
) -> None:
    before = event_count(world)
    response = create(server, json.dumps({"draw": draw}))
    assert response.status_code in (400, 413), response.text[:300]
    assert event_count(world) == before


def test_a_64_mib_draw_is_refused_before_it_is_read(world: World, server: RunningServer) -> None:
    before = event_count(world)
    body = b'{"draw": {"boxes": [], "note": "' + b"x" * (64 * 1024 * 1024) + b'"}}'
    try:
        response = create(server, body)
    except httpx.HTTPError:
        pytest.fail("the server should answer 413, not drop the connection")
    assert response.status_code == 413
    assert event_count(world) == before


def image_height(response: httpx.Response) -> int:
    assert response.status_code == 200, response.text[:300]
    size = imaging.declared_size(response.content)
    assert size is not None
    return size[1]


@pytest.mark.parametrize("height", [720, 100_000])
def test_an_ended_event_snapshot_is_never_upscaled_past_its_source(
    height: int, world: World, server: RunningServer
) -> None:
    url = f"/api/events/{world['front'].event_id}/snapshot.jpg?height={height}"
    assert image_height(httpx.get(server.url(url), timeout=30)) == SOURCE_HEIGHT
    smaller = f"/api/events/{world['front'].event_id}/snapshot.jpg?height=180"
    assert image_height(httpx.get(server.url(smaller), timeout=30)) == 180


def test_a_running_event_snapshot_is_never_upscaled_past_its_frame(
    world: World, server: RunningServer, world_server_factory: Callable[..., RunningServer]
) -> None:
    source = {"path": "testsrc2=size=640x360:rate=5", "input_args": "-re -f lavfi"}
    front = {"ffmpeg": {"inputs": [{**source, "roles": ["detect"]}]}}
    live = world_server_factory({**AUTH_OFF, "cameras": {"front": front}})
    assert wait_for(
        lambda: (
            "x-frigate-offline"
            not in httpx.get(live.url("/api/front/latest.jpg"), timeout=10).headers
        ),
        timeout=20,
    )
    made = create(live, json.dumps({"duration": None}))
    assert made.status_code == 200, made.text[:300]
    url = f"/api/events/{made.json()['event_id']}/snapshot.jpg?height=2000"
    assert image_height(httpx.get(live.url(url), timeout=30)) == SOURCE_HEIGHT
    smaller = f"/api/events/{made.json()['event_id']}/snapshot.jpg?height=180"
    assert image_height(httpx.get(live.url(smaller), timeout=30)) == 180


def test_a_recording_snapshot_is_never_upscaled_past_the_recording(
    world: World, server: RunningServer
) -> None:
    url = f"/api/front/recordings/{BASE_TIME + 5}/snapshot.jpg?height=4320"
    assert image_height(httpx.get(server.url(url), timeout=30)) == SOURCE_HEIGHT
    smaller = f"/api/front/recordings/{BASE_TIME + 5}/snapshot.png?height=180"
    assert image_height(httpx.get(server.url(smaller), timeout=30)) == 180


@pytest.mark.parametrize(
    "path",
    [
        f"/api/front/recordings/{BROKEN_START + 5}/snapshot.jpg",
        f"/api/front/start/{BROKEN_START}/end/{BROKEN_START + 10}/clip.mp4",
        f"/vod/front/start/{BROKEN_START}/end/{BROKEN_START + 10}/seg-1-v1.m4s",
        f"/vod/front/start/{BROKEN_START}/end/{BROKEN_START + 10}/master.m3u8",
    ],
    ids=["recording snapshot", "clip.mp4", "hls segment", "hls master"],
)
def test_errors_about_an_unreadable_recording_name_it_by_its_base_name_only(
    path: str, world: World, server: RunningServer
) -> None:
    response = httpx.get(server.url(path), timeout=30)
    assert response.status_code >= 400, response.status_code
    message = response.json()["message"]
    assert str(world.root) not in message, message
    assert not re.search(r"(?<![\w.:])/[^\s/]+/", message), message


def link(at: Path, target: Path) -> Path:
    at.parent.mkdir(parents=True, exist_ok=True)
    at.unlink(missing_ok=True)
    at.symlink_to(target)
    return at


@pytest.fixture(scope="module")
def auth_server(
    server: RunningServer, world_server_factory: Callable[..., RunningServer]
) -> RunningServer:
    return world_server_factory({"auth": {"enabled": True}})


def test_a_symlink_is_judged_by_the_file_it_points_at(
    world: World, auth_server: RunningServer
) -> None:
    month, day, hour = hour_parts(BASE_TIME)
    front_dir = world.media_dir / "recordings" / f"{month}-{day}" / hour / "front"
    front_file = world["front"].recording_files[0]
    outside = world.root / "generated" / "outside.mp4"
    outside.write_bytes(front_file.read_bytes())
    link(front_dir / "to-back.mp4", world["back"].recording_files[0])
    link(front_dir / "to-front.mp4", front_file)
    link(front_dir / "to-outside.mp4", outside)
    back_snapshot = world.media_dir / "clips" / f"back-{world['back'].event_id}.jpg"
    link(world.media_dir / "clips" / "front-to-back.jpg", back_snapshot)
    base = f"/recordings/{month}-{day}/{hour}/front"
    expected = {  # (front_only, admin)
        f"{base}/to-back.mp4": (403, 200),
        f"{base}/to-front.mp4": (200, 200),
        f"{base}/to-outside.mp4": (403, 403),
        "/clips/front-to-back.jpg": (403, 200),
    }
    got = {
        path: tuple(
            httpx.get(
                auth_server.url(path),
                headers={"Authorization": f"Bearer {token(role)}"},
                timeout=30,
            ).status_code
            for role in ("front_only", "admin")
        )
        for path in expected
    }
    assert got == expected
