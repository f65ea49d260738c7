"""Static media at the root: Range and ETag, per-camera access from the path, traversal refused."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from frigate_media.auth.identity import Identity
from frigate_media.config import parse_config
from frigate_media.errors import BadRequest
from frigate_media.services import static_media
from frigate_media.services.static_media import Owner
from tests.conftest import RunningServer
from tests.support.db import insert
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
    "path",
    [
        "/clips/%2e%2e/%2e%2e/secret.txt",
        "/clips/thumbs/%2e%2e/%2e%2e/%2e%2e/secret.txt",
        "/clips/..%2f..%2fsecret.txt",
        "/recordings/%2Fetc%2Fpasswd",
        "/clips/a%5c..%5csecret.txt",
        "/clips/front-x%00.jpg",
    ],
)
def test_encoded_traversal_is_refused(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (400, 403, 404)
    assert response.json()["success"] is False
    assert b"outside" not in response.content


def test_a_symlink_out_of_the_tree_is_refused(client: TestClient) -> None:
    response = client.get("/clips/front-escape.jpg")
    assert response.status_code == 403
    assert b"outside" not in response.content


def test_raw_dot_dot_over_real_http_is_refused(
    server_factory: Callable[..., RunningServer], media: Path
) -> None:
    server = server_factory()
    port = int(server.base_url.rsplit(":", 1)[1])
    for raw in ("/clips/../secret.txt", "/clips/thumbs/../../../secret.txt"):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(f"GET {raw} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        status = int(answer.split(b" ", 2)[1])
        assert status in (400, 403, 404), raw
        assert b"outside" not in answer


@pytest.mark.parametrize("relative", ["..", "a/../b", "/etc/passwd", "a\\b", "a\x00b", "x" * 2000])
def test_safe_parts_refuses_hostile_paths(relative: str) -> None:
    with pytest.raises(BadRequest):
        static_media.safe_parts(relative)


def test_clip_owner_prefers_the_longest_camera_name() -> None:
    config = parse_config(
        {"cameras": {"front": {"ffmpeg": {"inputs": []}}, "front-door": {"ffmpeg": {"inputs": []}}}}
    )
    owner = static_media.clip_owner(["front-door-1719000000.0-abc.jpg"], config)
    assert owner == (Owner.CAMERA, "front-door")


def test_unrestricted_roles_read_admin_only_subtrees_like_frigate() -> None:
    viewer = Identity("v", "viewer", None)
    static_media.check_access(viewer, Owner.ADMIN_ONLY, None)
