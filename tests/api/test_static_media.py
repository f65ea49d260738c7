"""Static media at the root: Range and ETag, per-camera access from the path, traversal refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from frigate_media.auth.identity import Identity
from frigate_media.config import parse_config
from frigate_media.errors import BadRequest, Forbidden
from frigate_media.services import static_media
from frigate_media.services.static_media import Owner
from tests.conftest import RunningServer
from tests.support.db import insert
from tests.support.rawhttp import raw_get
from tests.support.recordings import FRONT_ONLY, PROXY, T0, record_segments

SEGMENT = "2024-06-21/20/front/00.00.mp4"
BACK_SEGMENT = "2024-06-21/20/back/00.00.mp4"


@pytest.fixture
def media(tmp_path: Path, frigate_db: Path, clip_factory: Callable[..., Path]) -> Path:
    record_segments(tmp_path, clip_factory, "front", T0, 1)
    record_segments(tmp_path, clip_factory, "back", T0, 1)
    root = tmp_path / "media"
    files = {
        "clips/front-1719000000.0-abc123.jpg": b"front snapshot",
        "clips/back-1719000000.0-abc123-clean.webp": b"back clean",
        "clips/thumbs/front/1719000000.0-abc123.webp": b"front thumb",
        "clips/thumbs/back/1719000000.0-abc123.webp": b"back thumb",
        "clips/previews/back/1719000000.0-1719003600.0.mp4": b"back preview",
        "clips/review/thumb-front-1719000000.0-xyz.webp": b"front review",
        "clips/review/thumb-back-1719000000.0-xyz.webp": b"back review",
        "clips/faces/bob/1.webp": b"face",
        "clips/garage-1719000000.0-abc123.jpg": b"unknown camera",
        "exports/front_export.mp4": b"front export",
        "exports/back_export.mp4": b"back export",
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    for camera in ("front", "back"):
        insert(
            frigate_db,
            "export",
            {
                "id": f"{camera}_export",
                "camera": camera,
                "name": camera,
                "date": T0,
                "video_path": f"/media/frigate/exports/{camera}_export.mp4",
                "thumb_path": "",
                "in_progress": 0,
            },
        )
    (tmp_path / "secret.txt").write_text("outside")
    (root / "clips" / "front-escape.jpg").symlink_to(tmp_path / "secret.txt")
    return root


@pytest.fixture
def client(client_factory: Callable[..., TestClient], media: Path) -> TestClient:
    return client_factory(PROXY)


def test_a_recording_is_served_with_range_and_etag(client: TestClient, media: Path) -> None:
    data = (media / "recordings" / SEGMENT).read_bytes()
    full = client.get(f"/recordings/{SEGMENT}")
    assert full.status_code == 200
    assert full.content == data
    assert full.headers["content-type"] == "video/mp4"
    assert full.headers["accept-ranges"] == "bytes"
    etag = full.headers["etag"]
    part = client.get(f"/recordings/{SEGMENT}", headers={"range": "bytes=10-109"})
    assert part.status_code == 206
    assert part.content == data[10:110]
    assert part.headers["content-range"] == f"bytes 10-109/{len(data)}"
    assert part.headers["content-length"] == "100"
    assert client.get(f"/recordings/{SEGMENT}", headers={"if-none-match": etag}).status_code == 304
    bad = client.get(f"/recordings/{SEGMENT}", headers={"range": f"bytes={len(data)}-"})
    assert bad.status_code == 416
    assert bad.json()["success"] is False


def test_static_files_are_not_under_the_api_prefix(client: TestClient) -> None:
    assert client.get(f"/api/recordings/{SEGMENT}").status_code != 200


@pytest.mark.parametrize(
    ("path", "admin", "front_only"),
    [
        (f"/recordings/{SEGMENT}", 200, 200),
        (f"/recordings/{BACK_SEGMENT}", 200, 403),
        ("/recordings/2024-06-21/20/garage/00.00.mp4", 404, 403),
        ("/recordings/2024-06-21/20", 404, 403),
        ("/recordings/2024-06-21", 404, 404),
        ("/clips/front-1719000000.0-abc123.jpg", 200, 200),
        ("/clips/back-1719000000.0-abc123-clean.webp", 200, 403),
        ("/clips/thumbs/front/1719000000.0-abc123.webp", 200, 200),
        ("/clips/thumbs/back/1719000000.0-abc123.webp", 200, 403),
        ("/clips/previews/back/1719000000.0-1719003600.0.mp4", 200, 403),
        ("/clips/review/thumb-front-1719000000.0-xyz.webp", 200, 200),
        ("/clips/review/thumb-back-1719000000.0-xyz.webp", 200, 403),
        ("/clips/faces/bob/1.webp", 200, 403),
        ("/clips/garage-1719000000.0-abc123.jpg", 200, 403),
        ("/clips/thumbs", 404, 403),
        ("/exports/front_export.mp4", 200, 200),
        ("/exports/back_export.mp4", 200, 403),
        ("/exports/nobody.mp4", 404, 403),
    ],
)
def test_access_follows_the_camera_in_the_path(
    client: TestClient, path: str, admin: int, front_only: int
) -> None:
    assert client.get(path).status_code == admin
    restricted = client.get(path, headers=FRONT_ONLY)
    assert restricted.status_code == front_only
    if front_only != 200:
        assert restricted.json()["success"] is False


def test_clip_files_have_their_media_type(client: TestClient) -> None:
    response = client.get("/clips/thumbs/front/1719000000.0-abc123.webp")
    assert response.headers["content-type"] == "image/webp"
    assert response.content == b"front thumb"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        # Dot segments once decoded: 403 for every role, as Frigate's media auth since 0.17.
        ("/clips/%2e%2e/%2e%2e/secret.txt", 403),
        ("/clips/%2E%2E/secret.txt", 403),
        ("/clips/thumbs/%2e%2e/%2e%2e/%2e%2e/secret.txt", 403),
        ("/clips/..%2f..%2fsecret.txt", 403),
        ("/clips/%2e/front-1719000000.0-abc123.jpg", 403),  # the file exists: still refused
        ("/recordings/2024-06-21/20/front/%2E%2E/back/00.00.mp4", 403),
        ("/exports/..%2Frecordings%2F2024-06-21%2F20%2Fback%2F00.00.mp4", 403),
        # Not traversal once decoded: empty segments are dropped (nginx merges slashes).
        # (Double encoding is tested over real HTTP: the test client decodes paths twice.)
        ("/recordings/%2Fetc%2Fpasswd", 404),
        # Never served at all.
        ("/clips/a%5c..%5csecret.txt", 400),
        ("/clips/front-x%00.jpg", 400),
    ],
)
def test_encoded_traversal_is_refused(client: TestClient, path: str, status: int) -> None:
    for headers in ({}, FRONT_ONLY):
        response = client.get(path, headers=headers)
        expected = 403 if headers and status == 404 else status  # no camera: closed to a role
        assert response.status_code == expected, (path, headers)
        assert response.json()["success"] is False
        assert b"outside" not in response.content


def test_an_encoded_slash_is_a_separator_as_in_nginx(client: TestClient, media: Path) -> None:
    response = client.get("/recordings/%2F2024-06-21%2F20/front/00.00.mp4")
    assert response.status_code == 200
    assert response.content == (media / "recordings" / SEGMENT).read_bytes()


def test_a_symlink_out_of_the_tree_is_refused(client: TestClient) -> None:
    response = client.get("/clips/front-escape.jpg")
    assert response.status_code == 403
    assert b"outside" not in response.content


def test_raw_dot_segments_over_real_http_are_403(
    server_factory: Callable[..., RunningServer], media: Path
) -> None:
    server = server_factory()
    port = int(server.base_url.rsplit(":", 1)[1])
    raw_paths = (
        "/clips/../secret.txt",
        "/clips/thumbs/../../../secret.txt",
        "/clips/./front-1719000000.0-abc123.jpg",
        "/recordings/2024-06-21/20/front/../back/00.00.mp4",
        "/exports/../../secret.txt",
    )
    for raw in raw_paths:
        status, answer = raw_get(port, raw)
        assert status == 403, raw
        assert b"outside" not in answer and b'"success":false' in answer
    # Decoded once, a double-encoded dot is a plain name (Frigate lets nginx 404 it).
    status, answer = raw_get(port, "/clips/%252e%252e/%252e%252e/secret.txt")
    assert status == 404 and b"outside" not in answer


@pytest.mark.parametrize("relative", ["..", "a/../b", "./a", "a/.", "x/y/.."])
def test_safe_parts_refuses_dot_segments_as_forbidden(relative: str) -> None:
    with pytest.raises(Forbidden):
        static_media.safe_parts(relative)


@pytest.mark.parametrize("relative", ["a\\b", "a\x00b", "x" * 2000, "a/\x7fb"])
def test_safe_parts_refuses_malformed_paths_as_bad_requests(relative: str) -> None:
    with pytest.raises(BadRequest):
        static_media.safe_parts(relative)


def test_safe_parts_drops_empty_segments_like_nginx() -> None:
    assert static_media.safe_parts("/etc//passwd/") == ["etc", "passwd"]
    assert static_media.safe_parts("%2e%2e/x") == ["%2e%2e", "x"]


def test_clip_owner_prefers_the_longest_camera_name() -> None:
    config = parse_config(
        {"cameras": {"front": {"ffmpeg": {"inputs": []}}, "front-door": {"ffmpeg": {"inputs": []}}}}
    )
    owner = static_media.clip_owner(["front-door-1719000000.0-abc.jpg"], config)
    assert owner == (Owner.CAMERA, "front-door")


def test_unrestricted_roles_read_admin_only_subtrees_like_frigate() -> None:
    viewer = Identity("v", "viewer", None)
    static_media.check_access(viewer, Owner.ADMIN_ONLY, None)
