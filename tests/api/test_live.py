"""Live routes over HTTP: latest.<ext>, offline fallbacks, ETag, bad input, access, grid, ptz."""

from __future__ import annotations

import io
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
import simplejpeg
from fastapi.testclient import TestClient
from PIL import Image

from frigate_media.frames.processor import FrameProcessor
from tests.frames.conftest import HEIGHT, WIDTH, lavfi_camera, wait_live
from tests.support.app import context_of
from tests.support.db import insert
from tests.support.images import bomb_png
from tests.support.media import make_image


def decode(body: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "the body is not an image"
    return image


def processor_of(client: TestClient) -> FrameProcessor:
    return context_of(client).worker(FrameProcessor)


@pytest.fixture
def live_client(client_factory: Callable[..., TestClient], frigate_db: Path) -> TestClient:
    camera = lavfi_camera(
        motion={"mask": "0,0,40,0,40,40,0,40"},
        zones={"door": {"coordinates": "0.5,0.5,0.9,0.5,0.9,0.9,0.5,0.9", "color": [0, 0, 255]}},
    )
    client = client_factory({"cameras": {"cam": camera}}, background=True)
    wait_live(client)
    return client


# ---- live frames ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "size"),
    [
        ("", (WIDTH, HEIGHT)),
        ("?height=120", (160, 120)),
        ("?h=60", (80, 60)),
        ("?height=0", (WIDTH, HEIGHT)),
        ("?height=5000", (WIDTH, HEIGHT)),  # capped at the source height
        ("?height=121&cache=123", (161, 121)),  # unknown params are ignored
    ],
)
@pytest.mark.parametrize("ext", ["jpg", "jpeg", "png", "webp"])
def test_latest_frame_decodes_at_the_asked_size(
    live_client: TestClient, ext: str, query: str, size: tuple[int, int]
) -> None:
    response = live_client.get(f"/api/cam/latest.{ext}{query}")
    assert response.status_code == 200
    expected_type = "image/jpeg" if ext in ("jpg", "jpeg") else f"image/{ext}"
    assert response.headers["content-type"] == expected_type
    assert response.headers["cache-control"] == "no-store"
    image = decode(response.content)
    assert (image.shape[1], image.shape[0]) == size


def test_store_asks_for_a_private_minute_of_caching(live_client: TestClient) -> None:
    response = live_client.get("/api/cam/latest.webp?height=100&store=1")
    assert response.headers["cache-control"] == "private, max-age=60"


def test_latest_jpeg_colours_match_the_decoded_frame(live_client: TestClient) -> None:
    # the YUV-plane JPEG path and the BGR path (png) must show the same picture
    frame = processor_of(live_client).current_frame("cam")
    assert frame is not None
    time_before = frame.time
    jpg = decode(live_client.get("/api/cam/latest.jpg?quality=95").content).astype(int)
    png = decode(live_client.get("/api/cam/latest.png").content).astype(int)
    if processor_of(live_client).frame_time("cam") == time_before:
        assert np.abs(jpg - png).mean() < 8


def test_etag_with_if_none_match_gives_304_until_the_next_frame(live_client: TestClient) -> None:
    first = live_client.get("/api/cam/latest.jpg?height=100")
    etag = first.headers["etag"]
    again = live_client.get("/api/cam/latest.jpg?height=100", headers={"If-None-Match": etag})
    if again.headers["etag"] == etag:
        assert again.status_code == 304
        assert again.content == b""
    other = live_client.get("/api/cam/latest.jpg?height=101", headers={"If-None-Match": etag})
    assert other.status_code == 200
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        later = live_client.get("/api/cam/latest.jpg?height=100", headers={"If-None-Match": etag})
        if later.status_code == 200:
            assert later.headers["etag"] != etag
            break
        time.sleep(0.1)
    else:
        raise AssertionError("a new frame never changed the ETag")


def test_repeated_requests_for_one_frame_are_encoded_once(live_client: TestClient) -> None:
    renderer = processor_of(live_client).renderer
    start = renderer.encodes
    responses = [live_client.get("/api/cam/latest.jpg?height=90") for _ in range(20)]
    assert all(r.status_code == 200 for r in responses)
    distinct_frames = {r.headers["etag"] for r in responses}
    assert renderer.encodes - start == len(distinct_frames)


@pytest.mark.parametrize(
    ("flag", "region"),
    [
        ("mask=1", (slice(0, 41), slice(0, 41))),  # the masked corner turns black
        ("zones=1", (slice(118, 218), slice(158, 290))),  # the zone outline
        ("timestamp=1", (slice(0, 60), slice(0, WIDTH))),  # top-left timestamp text
    ],
)
def test_overlays_change_pixels_where_expected(
    live_client: TestClient, flag: str, region: tuple[slice, slice]
) -> None:
    processor = processor_of(live_client)
    for _ in range(20):
        before = processor.frame_time("cam")
        plain = decode(live_client.get("/api/cam/latest.png").content).astype(int)
        drawn = decode(live_client.get(f"/api/cam/latest.png?{flag}").content).astype(int)
        if processor.frame_time("cam") == before:
            break
    else:
        pytest.fail("frames changed between every pair of requests")
    difference = np.abs(plain - drawn).sum(axis=2)
    assert difference[region].sum() > 0
    outside = difference.copy()
    outside[region] = 0
    assert outside.sum() == 0
    if flag == "mask=1":
        assert drawn[0:40, 0:40].max() == 0


def test_bounding_boxes_of_tracked_objects_are_drawn(live_client: TestClient) -> None:
    processor = processor_of(live_client)
    processor.track_current_frame("cam", "obj1", "person", score=0.9, box=(100, 100, 200, 200))
    processor.objects.update("cam", "obj1", frame_time=0.0)
    for _ in range(20):
        before = processor.frame_time("cam")
        plain = decode(live_client.get("/api/cam/latest.png").content).astype(int)
        boxed = decode(live_client.get("/api/cam/latest.png?bbox=1").content).astype(int)
        if processor.frame_time("cam") == before:
            break
    difference = np.abs(plain - boxed).sum(axis=2)
    assert difference[100:201, 100].sum() > 0  # the box's left edge
    assert difference[220:, :].sum() == 0  # nothing below the box


def test_motion_boxes_appear_on_a_moving_pattern(live_client: TestClient) -> None:
    processor = processor_of(live_client)
    deadline = time.monotonic() + 15
    while not processor.state("cam").motion_boxes and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processor.state("cam").motion_boxes
    now = time.time()
    assert processor.motion_between("cam", now - 30, now + 1) >= 1


# ---- offline fallbacks -------------------------------------------------------------------


def test_idle_camera_gets_the_error_image_without_the_offline_header(client: TestClient) -> None:
    response = client.get("/api/front/latest.jpg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert "x-frigate-offline" not in response.headers
    image = decode(response.content)
    assert image.shape[0] == 360  # capped at the camera's detect height


def test_offline_camera_serves_its_own_newest_preview_frame(
    client: TestClient, tmp_path: Path
) -> None:
    frames = tmp_path / "cache" / "preview_frames"
    make_image(frames / "preview_front-1700000000.5.webp", 320, 180)
    make_image(frames / "preview_front-1700000100.25.webp", 320, 180)
    # front-door's newer frame must not be served for front
    make_image(frames / "preview_front-door-1800000000.0.webp", 64, 36)
    response = client.get("/api/front/latest.webp")
    assert response.status_code == 200
    assert response.headers["x-frigate-offline"] == "true"
    image = decode(response.content)
    assert image.shape[:2] == (180, 320)
    resized = decode(client.get("/api/front/latest.jpg?height=90").content)
    assert resized.shape[:2] == (90, 160)
    etag = client.get("/api/front/latest.jpg").headers["etag"]
    assert client.get("/api/front/latest.jpg", headers={"If-None-Match": etag}).status_code == 304


def test_an_offline_preview_frame_declaring_a_huge_picture_is_not_decoded(
    client: TestClient, tmp_path: Path
) -> None:
    frames = tmp_path / "cache" / "preview_frames"
    frames.mkdir(parents=True, exist_ok=True)
    (frames / "preview_front-1700000000.5.webp").write_bytes(bomb_png())
    response = client.get("/api/front/latest.jpg")
    assert response.status_code == 200
    assert "x-frigate-offline" not in response.headers  # the error image, not the frame
    assert decode(response.content).shape[0] == 360


def test_back_gets_no_preview_of_front(client: TestClient, tmp_path: Path) -> None:
    make_image(tmp_path / "cache" / "preview_frames" / "preview_front-1700000000.5.webp", 64, 36)
    response = client.get("/api/back/latest.jpg")
    assert "x-frigate-offline" not in response.headers


# ---- bad input and access ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/front/latest.jpg?height=-1", 400),
        ("/api/front/latest.jpg?height=10001", 400),
        ("/api/front/latest.jpg?h=-5", 400),
        ("/api/front/latest.jpg?quality=0", 400),
        ("/api/front/latest.jpg?quality=101", 400),
        ("/api/front/latest.jpg?height=tall", 422),
        ("/api/front/latest.gif", 422),
        ("/api/front/latest.JPG", 422),
        ("/api/front?fps=0", 400),
        ("/api/front?fps=-1", 400),
        ("/api/front?fps=31", 400),
        ("/api/front?height=-1", 400),
        ("/api/front?height=20000", 400),
        ("/api/front/grid.jpg?font_scale=nan", 400),
        ("/api/front/grid.jpg?font_scale=-1", 400),
    ],
)
def test_bad_input_is_a_json_4xx(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.json()["success"] is False


@pytest.mark.parametrize(
    "path", ["/api/nope/latest.jpg", "/api/nope", "/api/nope/grid.jpg", "/api/nope/ptz/info"]
)
def test_unknown_camera_is_404_json(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"success": False, "message": "Camera not found"}


@pytest.mark.parametrize(
    "path", ["/api/back/latest.jpg", "/api/back", "/api/back/grid.jpg", "/api/back/ptz/info"]
)
def test_a_role_without_the_camera_gets_403(
    client_factory: Callable[..., TestClient], frigate_db: Path, path: str
) -> None:
    client = client_factory(
        {"proxy": {"header_map": {"role": "x-role"}}}, headers={"x-role": "front_only"}
    )
    assert client.get(path).status_code == 403
    assert client.get("/api/front/latest.jpg").status_code == 200


# ---- birdseye ----------------------------------------------------------------------------


def test_birdseye_needs_restream(client: TestClient) -> None:
    assert client.get("/api/birdseye/latest.jpg").status_code == 404


def test_birdseye_grid_of_live_cameras(
    client_factory: Callable[..., TestClient], frigate_db: Path
) -> None:
    client = client_factory(
        {
            "birdseye": {"enabled": True, "restream": True, "width": 640, "height": 360},
            "cameras": {"cam": lavfi_camera()},
        },
        background=True,
    )
    wait_live(client)
    response = client.get("/api/birdseye/latest.jpg?h=180")
    assert response.status_code == 200
    image = decode(response.content)
    assert image.shape[:2] == (180, 320)
    assert image.max() > 50  # the live camera is in it, not just a black canvas
    restricted = client_factory(
        {
            "birdseye": {"enabled": True, "restream": True},
            "proxy": {"header_map": {"role": "x-role"}},
        },
        headers={"x-role": "front_only"},
    )
    assert restricted.get("/api/birdseye/latest.jpg").status_code == 403


# ---- grid and ptz ------------------------------------------------------------------------


def test_grid_without_a_regions_row_is_404(live_client: TestClient) -> None:
    response = live_client.get("/api/cam/grid.jpg")
    assert response.status_code == 404
    assert response.json() == {"success": False, "message": "Unable to get region grid"}


def test_grid_draws_the_region_cells(live_client: TestClient, frigate_db: Path) -> None:
    cell = {"sizes": [0.1, 0.2], "mean": 0.15, "std_dev": 0.05}
    empty = {"sizes": [], "mean": 0, "std_dev": 0}
    grid = [[cell if x == 0 and y == 0 else empty for y in range(8)] for x in range(8)]
    insert(frigate_db, "regions", {"camera": "cam", "grid": grid, "last_update": 1.0})
    response = live_client.get("/api/cam/grid.jpg?color=red")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    image = decode(response.content)
    assert image.shape[:2] == (HEIGHT, WIDTH)
    left_edge = image[5:25, 0:2].astype(int)
    assert (left_edge[:, :, 2] - left_edge[:, :, 1]).mean() > 100  # red, drawn by us


def test_grid_of_an_offline_camera_is_an_error(client: TestClient) -> None:
    response = client.get("/api/front/grid.jpg")
    assert response.status_code == 502
    assert response.json()["message"] == "Unable to get valid frame"


def test_ptz_info_without_onvif_is_empty(client: TestClient) -> None:
    assert client.get("/api/front/ptz/info").json() == {}


def test_ptz_info_with_an_unreachable_onvif_camera_is_503(
    client_factory: Callable[..., TestClient], frigate_db: Path
) -> None:
    client = client_factory({"cameras": {"front": {"onvif": {"host": "127.0.0.1", "port": 9}}}})
    response = client.get("/api/front/ptz/info")
    assert response.status_code == 503
    assert response.json()["success"] is False


def test_webp_body_is_a_real_webp(live_client: TestClient) -> None:
    body = live_client.get("/api/cam/latest.webp").content
    assert Image.open(io.BytesIO(body)).format == "WEBP"
    assert simplejpeg.is_jpeg(live_client.get("/api/cam/latest.jpg").content)


# ---- clearing the region grid (DELETE /{camera}/region_grid, Frigate 0.17) -----------------


def regions_rows(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as connection:
        return [row[0] for row in connection.execute('SELECT camera FROM "regions"')]


def add_grid(db_path: Path, camera: str) -> None:
    insert(db_path, "regions", {"camera": camera, "grid": [[{"sizes": [0.1]}]], "last_update": 1.0})


def test_an_admin_clears_the_cameras_region_grid_by_deleting_its_row(
    client: TestClient, frigate_db: Path
) -> None:
    add_grid(frigate_db, "front")
    add_grid(frigate_db, "back")
    response = client.delete("/api/front/region_grid")
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Region grid cleared"}
    assert regions_rows(frigate_db) == ["back"]
    # Nothing left to clear is still a success, as in Frigate.
    assert client.delete("/api/front/region_grid").json()["success"] is True


def test_clearing_the_grid_of_an_unknown_camera_is_404(
    client: TestClient, frigate_db: Path
) -> None:
    response = client.delete("/api/garage/region_grid")
    assert response.status_code == 404
    assert response.json() == {"success": False, "message": "Camera not found"}


@pytest.mark.parametrize("role", ["viewer", "front_only"])
def test_a_non_admin_cannot_clear_a_region_grid(
    client_factory: Callable[..., TestClient], frigate_db: Path, role: str
) -> None:
    add_grid(frigate_db, "front")
    client = client_factory({"proxy": {"header_map": {"role": "x-role"}}}, headers={"x-role": role})
    for camera in ("front", "garage"):
        response = client.delete(f"/api/{camera}/region_grid")
        assert response.status_code == 403, camera
        assert response.json()["success"] is False
    assert regions_rows(frigate_db) == ["front"]
