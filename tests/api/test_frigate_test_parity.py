"""What Frigate's own tests assert about the media routes we serve, asserted against us.

Sources (read at Frigate `e3fa70189`): `frigate/test/http_api/test_http_latest_frame.py`,
`frigate/test/test_preview_loader.py`, `frigate/test/test_media_auth.py`,
`frigate/test/test_file.py` and the media side of `test_http_camera_access.py`. Frigate's
harness names the user in `remote-user`/`remote-role` (what its nginx sets), so these apps run
beside Frigate, where that is our identity too, on Frigate's cameras `front_door`, `back_door`
and `back-yard` with the role `limited_user` limited to `front_door`. Not ported, because they
are not our routes: `test_http_media.py` (`/recordings/summary`, `/recordings/unavailable`),
events/review lists, go2rtc streams, exports jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from frigate_media.app import create_app
from frigate_media.clock import FixedClock
from frigate_media.config import FrigateConfig, parse_config
from frigate_media.frames import preview_frames
from frigate_media.frames.state import Frame
from frigate_media.services import static_media
from frigate_media.services.static_media import Owner
from tests.conftest import RunningServer
from tests.support.app import context_of, frames_of
from tests.support.db import insert, insert_event
from tests.support.media import make_image
from tests.support.rawhttp import raw_get

ADMIN = {"remote-user": "admin", "remote-role": "admin"}
VIEWER = {"remote-user": "vic", "remote-role": "viewer"}
LIMITED = {"remote-user": "lim", "remote-role": "limited_user"}
ROLES = {"admin": ADMIN, "viewer": VIEWER, "limited": LIMITED}
CAMERA = {
    "ffmpeg": {"inputs": []},
    "detect": {"width": 320, "height": 240, "fps": 5},
    "snapshots": {"enabled": True},
}
HOUR_DIR = "2026-05-11/14"


def frigate_like(root: Path, **extra: Any) -> FrigateConfig:
    """Frigate's test cameras and role, beside Frigate (identity from `remote-*` headers)."""
    config: dict[str, Any] = {
        "mode": "beside-frigate",
        "database": {"path": str(root / "config" / "frigate.db")},
        "paths": {
            "media": str(root / "media"),
            "cache": str(root / "cache"),
            "scratch": str(root / "scratch"),
        },
        "auth": {"roles": {"limited_user": ["front_door"]}},
        "cameras": {name: CAMERA for name in ("front_door", "back_door", "back-yard")},
    }
    config.update(extra)
    return parse_config(config)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(2_000_000_000.0)


@pytest.fixture(params=["/api", ""], ids=["api-prefix", "root-as-frigates-harness"])
def prefix(request: pytest.FixtureRequest) -> str:
    """Where the API routes are: ours by default, and the root, where Frigate's tests call them
    (its nginx strips `/api`; static media stays at the root either way)."""
    return str(request.param)


@pytest.fixture
def app(
    client_factory: Callable[..., TestClient],
    frigate_db: Path,
    tmp_path: Path,
    clock: FixedClock,
    prefix: str,
) -> TestClient:
    config = frigate_like(tmp_path, server={"api_prefix": prefix})
    return client_factory(config=config, clock=clock, headers=ADMIN)


def decode(body: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "the body is not an image"
    return image


def publish_frame(client: TestClient, clip: Path, camera: str, frame_time: float) -> None:
    """Hand a real decoded frame to the camera's state, as the ingest does, at `frame_time`.

    Frigate's test mocks the frame processor to pin the frame's time; our ingest stamps frames
    with the wall clock, so its hand-off is called directly instead."""
    with av.open(str(clip)) as container:
        decoded = next(container.decode(video=0))
        data = decoded.to_ndarray(format="yuv420p")
    state = frames_of(client).state(camera)
    assert state is not None
    state.publish(Frame(camera, data, decoded.width, decoded.height, frame_time))


def preview_frame(root: Path, camera: str, frame_time: float, width: int, height: int) -> Path:
    return make_image(
        root / "cache" / "preview_frames" / f"preview_{camera}-{frame_time}.webp", width, height
    )


# ---- test_http_latest_frame.py ---------------------------------------------------------------


def test_a_camera_without_a_frame_falls_back_to_its_preview_frame_marked_offline(
    app: TestClient, tmp_path: Path, prefix: str
) -> None:
    preview_frame(tmp_path, "front_door", 1234567890.0, 320, 180)

    response = app.get(f"{prefix}/front_door/latest.webp")

    assert response.status_code == 200
    assert response.headers["x-frigate-offline"] == "true"
    assert response.headers["content-type"] == "image/webp"
    assert decode(response.content).shape[:2] == (180, 320)


def test_a_live_frame_is_served_without_the_offline_header(
    app: TestClient, clock: FixedClock, clip_factory: Callable[..., Path], prefix: str
) -> None:
    publish_frame(app, clip_factory(), "front_door", clock.now())

    response = app.get(f"{prefix}/front_door/latest.webp")

    assert response.status_code == 200
    assert "x-frigate-offline" not in response.headers
    assert decode(response.content).shape[:2] == (240, 320)


def test_a_stale_frame_falls_back_to_the_preview_frame_taken_before_it(
    app: TestClient,
    tmp_path: Path,
    clock: FixedClock,
    clip_factory: Callable[..., Path],
    prefix: str,
) -> None:
    """Frigate: frame time 1000, a preview at 999, now far later → the preview, offline.
    A preview written after the last frame is not the one Frigate picks (`before=` that time)."""
    publish_frame(app, clip_factory(), "front_door", 1000.0)
    preview_frame(tmp_path, "front_door", 999.0, 320, 180)
    preview_frame(tmp_path, "front_door", 1001.0, 160, 90)
    assert clock.now() > 1000.0 + 10  # past the camera's retry_interval

    response = app.get(f"{prefix}/front_door/latest.webp")

    assert response.status_code == 200
    assert response.headers["x-frigate-offline"] == "true"
    assert decode(response.content).shape[:2] == (180, 320)


def test_without_a_frame_or_a_preview_the_answer_is_an_image_not_marked_offline(
    app: TestClient, prefix: str
) -> None:
    """Frigate accepts 200 or 500 here (its error image may be missing); ours ships with us."""
    response = app.get(f"{prefix}/front_door/latest.webp")

    assert response.status_code == 200
    assert "x-frigate-offline" not in response.headers
    assert response.headers["content-type"] == "image/webp"
    decode(response.content)


# ---- test_preview_loader.py (the newest preview frame of a camera) ---------------------------


def test_the_newest_preview_frame_is_found_by_camera_and_before(tmp_path: Path) -> None:
    directory = tmp_path / "preview_frames"
    assert preview_frames.most_recent_preview_frame(directory, "test_camera") is None  # no dir
    directory.mkdir()
    assert preview_frames.most_recent_preview_frame(directory, "test_camera") is None  # no file
    for stamp in ("1000.0", "2000.0", "1500.0"):
        (directory / f"preview_test_camera-{stamp}.webp").write_bytes(b"x")
    (directory / "preview_other_camera-3000.0.webp").write_bytes(b"x")

    def newest(before: float | None = None) -> str | None:
        found = preview_frames.most_recent_preview_frame(directory, "test_camera", before)
        return found.name if found else None

    assert newest() == "preview_test_camera-2000.0.webp"
    assert newest(1500.0) == "preview_test_camera-1500.0.webp"
    assert newest(1499.0) == "preview_test_camera-1000.0.webp"
    assert newest(999.0) is None
    assert preview_frames.most_recent_preview_frame(directory, "other") is None


def test_a_camera_sees_no_preview_frames_of_other_cameras(tmp_path: Path) -> None:
    directory = tmp_path / "preview_frames"
    directory.mkdir()
    (directory / "preview_other_camera-3000.0.webp").write_bytes(b"x")

    assert preview_frames.most_recent_preview_frame(directory, "test_camera") is None


# ---- test_media_auth.py, through our static routes ------------------------------------------

STATIC_FILES = (
    f"recordings/{HOUR_DIR}/front_door/00.00.mp4",
    f"recordings/{HOUR_DIR}/back_door/00.00.mp4",
    "clips/front_door-1234.jpg",
    "clips/back_door-1234-clean.webp",
    "clips/back-yard-1234.jpg",
    "clips/nonexistent-1234.jpg",
    "clips/thumbs/front_door/abc.webp",
    "clips/thumbs/back_door/abc.webp",
    "clips/previews/front_door/segment.mp4",
    "clips/previews/back_door/segment.mp4",
    "clips/review/thumb-front_door-abc123.webp",
    "clips/review/thumb-back-yard-abc123.webp",
    "clips/review/thumb-unknown-cam-abc123.webp",
    "clips/faces/train/foo.webp",
    "clips/genai-requests/x/0.webp",
    "clips/preview_restart_cache/x.mp4",
    "clips/some_model/train/x.jpg",
    "clips/some_model/dataset/x.jpg",
    "clips/random_dir/foo.jpg",
    "exports/back_door_20260511_140000-20260511_150000_abc123.mp4",
    "exports/front_door_clip.mp4",
    "exports/back_door_clip.mp4",
    "exports/clip.mp4",
)


@pytest.fixture
def static_app(
    app: TestClient, tmp_path: Path, frigate_db: Path, clip_factory: Callable[..., Path]
) -> TestClient:
    """Every file of Frigate's media-auth cases on disk (recordings are real MP4s), and the
    export rows at Frigate's paths."""
    media = tmp_path / "media"
    clip = clip_factory(seconds=2).read_bytes()
    for name in STATIC_FILES:
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(clip if name.endswith(".mp4") else name.encode())
    exports = {
        "exp1": ("back_door", "back_door_20260511_140000-20260511_150000_abc123.mp4"),
        "exp_fd": ("front_door", "front_door_clip.mp4"),
        "exp_bd": ("back_door", "back_door_clip.mp4"),
    }
    for export_id, (camera, file_name) in exports.items():
        insert(
            frigate_db,
            "export",
            {
                "id": export_id,
                "camera": camera,
                "name": f"export-{export_id}",
                "date": 1_778_508_000,
                "video_path": f"/media/frigate/exports/{file_name}",
                "thumb_path": f"/media/frigate/exports/{file_name}.jpg",
                "in_progress": 0,
            },
        )
    return app


# (path, admin, viewer, limited_user): Frigate's allow (None) or 403, made a status by serving:
# allowed and present → 200, allowed with no file there (listings, nothing on disk) → 404.
MEDIA_AUTH_CASES = [
    # test_recordings, test_restricted_role_*: by the camera folder; date folders are neutral,
    # an hour folder lists every camera.
    (f"/recordings/{HOUR_DIR}/front_door/00.00.mp4", 200, 200, 200),
    (f"/recordings/{HOUR_DIR}/back_door/00.00.mp4", 200, 200, 403),
    (f"/recordings/{HOUR_DIR}/front_door/", 404, 404, 404),
    ("/recordings/", 404, 404, 404),
    ("/recordings/2026-05-11/", 404, 404, 404),
    (f"/recordings/{HOUR_DIR}/", 404, 404, 403),
    # test_clip_flat_filename_resolves_camera, hyphenated names, no matching camera.
    ("/clips/front_door-1234.jpg", 200, 200, 200),
    ("/clips/back_door-1234-clean.webp", 200, 200, 403),
    ("/clips/back-yard-1234.jpg", 200, 200, 403),
    ("/clips/nonexistent-1234.jpg", 200, 200, 403),
    ("/clips/nonexistent-1.jpg", 404, 404, 403),  # unresolved: admins pass, then 404
    # test_clip_thumbs, test_clip_previews, test_clip_review_thumbs.
    ("/clips/thumbs/", 404, 404, 403),
    ("/clips/thumbs/front_door/abc.webp", 200, 200, 200),
    ("/clips/thumbs/back_door/abc.webp", 200, 200, 403),
    ("/clips/previews/", 404, 404, 403),
    ("/clips/previews/front_door/segment.mp4", 200, 200, 200),
    ("/clips/previews/back_door/segment.mp4", 200, 200, 403),
    ("/clips/review/thumb-front_door-abc123.webp", 200, 200, 200),
    ("/clips/review/thumb-back-yard-abc123.webp", 200, 200, 403),
    ("/clips/review/thumb-unknown-cam-abc123.webp", 200, 200, 403),
    ("/clips/review/thumb-unknown_cam-1.webp", 404, 404, 403),
    # test_clip_admin_only_subtrees, test_clip_unknown_subtree_is_unresolved: closed to
    # restricted roles only (Frigate's viewer is not restricted).
    ("/clips/faces/train/foo.webp", 200, 200, 403),
    ("/clips/faces/", 404, 404, 403),
    ("/clips/genai-requests/x/0.webp", 200, 200, 403),
    ("/clips/preview_restart_cache/x.mp4", 200, 200, 403),
    ("/clips/some_model/train/x.jpg", 200, 200, 403),
    ("/clips/some_model/dataset/x.jpg", 200, 200, 403),
    ("/clips/random_dir/foo.jpg", 200, 200, 403),
    # test_clip_top_level_listing, test_exports_listing.
    ("/clips/", 404, 404, 403),
    ("/exports/", 404, 404, 403),
    # TestExportResolution: by the export's row, its exact file name (never a suffix).
    ("/exports/back_door_20260511_140000-20260511_150000_abc123.mp4", 200, 200, 403),
    ("/exports/front_door_clip.mp4", 200, 200, 200),
    ("/exports/clip.mp4", 200, 200, 403),
    ("/exports/does_not_exist.mp4", 404, 404, 403),
]


@pytest.mark.parametrize(("path", "admin", "viewer", "limited"), MEDIA_AUTH_CASES)
def test_static_media_follows_frigates_media_auth_decisions(
    static_app: TestClient, path: str, admin: int, viewer: int, limited: int
) -> None:
    for role, expected in zip(ROLES, (admin, viewer, limited), strict=True):
        response = static_app.get(path, headers=ROLES[role])
        assert response.status_code == expected, (path, role)
        if expected == 200:
            assert response.content == (context_of(static_app).paths.media / path[1:]).read_bytes()
        else:
            assert response.json()["success"] is False


# test_traversal_in_media_uri_denied_for_all_roles, test_percent_encoded_traversal_denied.
TRAVERSALS = [
    f"/recordings/{HOUR_DIR}/front_door/../back_door/00.00.mp4",
    "/clips/front_door-1234.jpg/../back_door-1234-clean.webp",
    f"/exports/../recordings/{HOUR_DIR}/back_door/00.00.mp4",
    "/clips/./back_door-1234-clean.webp",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_a_percent_encoded_dot_segment_is_403_for_every_role(
    static_app: TestClient, path: str
) -> None:
    encoded = path.replace("/../", "/%2E%2E/").replace("/./", "/%2e/")
    for headers in ROLES.values():
        response = static_app.get(encoded, headers=headers)
        assert response.status_code == 403, (encoded, headers)
        assert response.json()["success"] is False


def test_raw_dot_segments_are_403_for_every_role_over_real_http(
    server_factory: Callable[..., RunningServer], tmp_path: Path, frigate_db: Path
) -> None:
    """Raw `..` only survives a real socket (HTTP clients clean dot segments up)."""
    config = frigate_like(tmp_path).model_dump(mode="json", exclude_none=True)
    server = server_factory(config)
    port = int(server.base_url.rsplit(":", 1)[1])
    for path in TRAVERSALS:
        for headers in ROLES.values():
            status, answer = raw_get(port, path, headers)
            assert status == 403, (path, headers)
            assert b'"success":false' in answer


# ---- test_http_camera_access.py, on our camera routes ---------------------------------------


@pytest.mark.parametrize(
    ("headers", "front_door", "back_door"),
    [
        (ADMIN, 200, 200),
        (VIEWER, 200, 200),
        (LIMITED, 200, 403),
    ],
)
def test_a_camera_route_follows_the_roles_camera_list(
    app: TestClient, headers: dict[str, str], front_door: int, back_door: int, prefix: str
) -> None:
    assert app.get(f"{prefix}/front_door/latest.jpg", headers=headers).status_code == front_door
    assert app.get(f"{prefix}/back_door/latest.jpg", headers=headers).status_code == back_door


def test_a_request_without_identity_headers_is_401(
    tmp_path: Path, frigate_db: Path, prefix: str
) -> None:
    """Frigate since 0.17.1 (upstream.md §8.1): no `remote-user` → 401 on camera routes."""
    config = frigate_like(tmp_path, server={"api_prefix": prefix})
    with TestClient(create_app(config, background=False)) as bare:
        response = bare.get(f"{prefix}/front_door/latest.jpg")
    assert response.status_code == 401
    assert response.json()["success"] is False


def test_a_role_missing_from_the_config_sees_no_camera(app: TestClient, prefix: str) -> None:
    """Frigate lets a role absent from `auth.roles` see every camera (its test
    `test_unconfigured_role_can_access_any_stream`); we refuse it on purpose — a typo in a role
    name must not open every camera (docs/upstream-changes.md, "Not followed")."""
    headers = {"remote-user": "u", "remote-role": "myuser"}
    assert app.get(f"{prefix}/front_door/latest.jpg", headers=headers).status_code == 403


def test_an_events_media_follows_its_cameras_access(
    app: TestClient, frigate_db: Path, tmp_path: Path, prefix: str
) -> None:
    """Frigate's `test_event_single_access` pins 200 for an allowed camera and 403 otherwise;
    on the event's thumbnail, which we serve."""
    thumbs = tmp_path / "media" / "clips" / "thumbs"
    ids = {}
    for camera in ("front_door", "back_door"):
        ids[camera] = insert_event(frigate_db, camera, 1_778_508_000.0, 1_778_508_020.0)
        make_image(thumbs / camera / f"{ids[camera]}.webp", 176, 176)

    allowed = app.get(f"{prefix}/events/{ids['front_door']}/thumbnail.jpg", headers=LIMITED)
    denied = app.get(f"{prefix}/events/{ids['back_door']}/thumbnail.jpg", headers=LIMITED)
    missing = app.get(f"{prefix}/events/654321.other/thumbnail.jpg", headers=ADMIN)

    assert allowed.status_code == 200
    assert decode(allowed.content).shape[:2] == (176, 176)
    assert denied.status_code == 403
    assert missing.status_code == 404
    assert missing.json() == {"success": False, "message": "Event not found"}


# ---- test_file.py: an ended event's snapshot rendered from its clean copy --------------------


def test_an_ended_events_snapshot_is_rendered_from_its_clean_webp(
    app: TestClient, frigate_db: Path, tmp_path: Path, prefix: str
) -> None:
    """A black 200x100 clean copy, the box drawn, 40 px tall: the answer is 40 px and not black."""
    event_id = insert_event(
        frigate_db,
        "front_door",
        1_778_508_000.0,
        1_778_508_020.0,
        data={"box": [0.25, 0.25, 0.25, 0.5], "score": 0.85, "attributes": [], "type": "object"},
    )
    clean = tmp_path / "media" / "clips" / f"front_door-{event_id}-clean.webp"
    clean.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(clean), np.zeros((100, 200, 3), np.uint8))

    response = app.get(f"{prefix}/events/{event_id}/snapshot.jpg?height=40&bbox=1&timestamp=0")

    assert response.status_code == 200
    image = decode(response.content)
    assert image.shape[0] == 40
    assert image.max() > 0


@pytest.mark.parametrize("subtree", ["faces", "genai-requests", "preview_restart_cache"])
def test_frigates_admin_only_clip_folders_are_never_read_as_a_camera_file(
    tmp_path: Path, subtree: str
) -> None:
    """Frigate names these folders before it reads `<camera>-...` flat names, so a camera named
    `genai` does not make `/clips/genai-requests` that camera's file (test_clip_admin_only_subtrees)."""
    config = frigate_like(tmp_path, cameras={"front_door": CAMERA, "genai": CAMERA})
    assert static_media.clip_owner([subtree], config) == (Owner.ADMIN_ONLY, None)
    assert static_media.clip_owner([subtree, "x", "0.webp"], config) == (Owner.ADMIN_ONLY, None)
