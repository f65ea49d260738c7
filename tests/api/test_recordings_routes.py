"""Recorded frames and clip.mp4: exact frames, exact cuts, Range from a cached file, errors."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from frigate_media.clock import FixedClock
from tests.support.app import context_of
from tests.support.recordings import FRONT_ONLY, NOW, PROXY, T0, record_segments

FRAME = 0.2  # the test clips run at 5 fps


@pytest.fixture
def recorded(tmp_path: Path, frigate_db: Path, clip_factory: Callable[..., Path]) -> Path:
    record_segments(tmp_path, clip_factory, "front", T0, 6, gop_seconds=2)
    record_segments(tmp_path, clip_factory, "back", T0, 3, gop_seconds=1)
    return tmp_path


@pytest.fixture
def client(client_factory: Callable[..., TestClient], recorded: Path) -> TestClient:
    return client_factory(PROXY, clock=FixedClock(NOW))


def decoded_frame(path: Path, position: float) -> np.ndarray:  # type: ignore[type-arg]
    """The frame of `path` whose time is `position`, as RGB."""
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if abs(float(frame.time) - position) < 1e-3:
                return frame.to_ndarray(format="rgb24")
    raise AssertionError(f"no frame at {position}")


def mp4_duration(data: bytes) -> float:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        times = [
            float(p.pts * stream.time_base) for p in container.demux(stream) if p.pts is not None
        ]
    return max(times) - min(times) + FRAME


# -- frame at a time -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "expected"),
    [(33.3, 33.4), (33.4, 33.4), (20.000012, 20.0), (59.95, 59.8), (0.0, 0.0)],
)
def test_snapshot_returns_the_frame_it_names(
    client: TestClient, recorded: Path, offset: float, expected: float
) -> None:
    response = client.get(f"/api/front/recordings/{T0 + offset:.6f}/snapshot.jpg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert float(response.headers["x-frame-time"]) == pytest.approx(T0 + expected, abs=1e-4)
    image = np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"), dtype=np.int16)
    assert image.shape == (240, 320, 3)
    segment = int(expected // 10) * 10
    path = next((recorded / "media" / "recordings").rglob(f"front/00.{segment:02d}.mp4"))
    within = expected - segment
    here = np.abs(image - decoded_frame(path, round(within, 3))).mean()
    if within >= FRAME:
        other = np.abs(image - decoded_frame(path, round(within - FRAME, 3))).mean()
        assert here < other
    assert here < 6


def test_snapshot_png_with_height_keeps_the_ratio(client: TestClient) -> None:
    response = client.get(f"/api/front/recordings/{T0 + 12.5}/snapshot.png?height=120")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (160, 120)


def test_snapshot_accepts_exponent_timestamps_from_frigate_notify(client: TestClient) -> None:
    response = client.get("/api/front/recordings/1.7190000051e+09/snapshot.jpg")
    assert response.status_code == 200
    assert float(response.headers["x-frame-time"]) == pytest.approx(T0 + 5.2, abs=1e-4)


def test_snapshot_past_sixty_seconds_into_a_long_segment_works(
    tmp_path: Path,
    frigate_db: Path,
    clip_factory: Callable[..., Path],
    client_factory: Callable[..., TestClient],
) -> None:
    record_segments(tmp_path, clip_factory, "front", T0, 1, seconds=90, gop_seconds=2)
    client = client_factory(PROXY, clock=FixedClock(NOW))
    response = client.get(f"/api/front/recordings/{T0 + 75.5}/snapshot.jpg")
    assert response.status_code == 200
    assert float(response.headers["x-frame-time"]) == pytest.approx(T0 + 75.6, abs=1e-4)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/api/front/recordings/{T0 + 500}/snapshot.jpg", 404),
        (f"/api/front/recordings/{T0 + 5}/snapshot.webp", 400),
        (f"/api/front/recordings/{T0 + 5}/snapshot.gif", 400),
        ("/api/front/recordings/nan/snapshot.jpg", 400),
        ("/api/front/recordings/inf/snapshot.jpg", 400),
        ("/api/front/recordings/abc/snapshot.jpg", 422),
        (f"/api/front/recordings/{T0 + 5}/snapshot.jpg?height=0", 400),
        (f"/api/garage/recordings/{T0 + 5}/snapshot.jpg", 404),
    ],
)
def test_snapshot_errors_are_json(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status, response.text
    assert response.json()["success"] is False


def test_snapshot_not_found_message_names_the_time(client: TestClient) -> None:
    response = client.get(f"/api/front/recordings/{T0 + 500}/snapshot.jpg")
    assert response.json()["message"] == f"Recording not found at {T0 + 500}"


# -- clip.mp4 --------------------------------------------------------------------------------


def test_clip_on_a_keyframe_lasts_what_was_asked_within_a_frame(client: TestClient) -> None:
    response = client.get(f"/api/front/start/{T0 + 4}/end/{T0 + 33.3}/clip.mp4")
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert "content-length" not in response.headers
    assert mp4_duration(response.content) == pytest.approx(29.3, abs=FRAME + 1e-3)


def test_clip_off_a_keyframe_starts_at_most_one_gop_early(client: TestClient) -> None:
    response = client.get(f"/api/front/start/{T0 + 5.5}/end/{T0 + 25}/clip.mp4")
    duration = mp4_duration(response.content)
    assert 19.5 - FRAME <= duration <= 19.5 + 2.0 + FRAME


def test_clip_is_a_fragmented_mp4(client: TestClient) -> None:
    body = client.get(f"/api/back/start/{T0}/end/{T0 + 20}/clip.mp4").content
    assert b"moof" in body[:4096] or b"moof" in body
    assert b"mvex" in body[:4096]


def test_clip_range_requests_get_206_byte_exact(client: TestClient) -> None:
    url = f"/api/front/start/{T0 + 4}/end/{T0 + 33.3}/clip.mp4"
    full = client.get(url, headers={"range": "bytes=0-"})
    assert full.status_code == 206
    size = int(full.headers["content-range"].split("/")[1])
    assert len(full.content) == size == int(full.headers["content-length"])
    etag = full.headers["etag"]
    assert mp4_duration(full.content) == pytest.approx(29.3, abs=FRAME + 1e-3)
    assert full.content.find(b"moov") < full.content.find(b"mdat")  # faststart
    for header, (first, last) in [
        ("bytes=100-299", (100, 299)),
        (f"bytes={size - 50}-", (size - 50, size - 1)),
        ("bytes=-10", (size - 10, size - 1)),
    ]:
        part = client.get(url, headers={"range": header})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes {first}-{last}/{size}"
        assert part.headers["etag"] == etag
        assert part.content == full.content[first : last + 1]
    assert client.get(url, headers={"if-none-match": etag, "range": "bytes=0-"}).status_code == 304


def test_clip_range_past_the_end_is_416_json(client: TestClient) -> None:
    url = f"/api/front/start/{T0}/end/{T0 + 10}/clip.mp4"
    response = client.get(url, headers={"range": "bytes=99999999-"})
    assert response.status_code == 416
    assert response.headers["content-range"].startswith("bytes */")
    assert response.json()["success"] is False
    assert client.get(url, headers={"range": "lines=1-2"}).status_code == 400


def test_clip_etag_is_deterministic_and_the_build_is_shared(client: TestClient) -> None:
    url = f"/api/front/start/{T0 + 2}/end/{T0 + 12}/clip.mp4"
    first = client.get(url, headers={"range": "bytes=0-9"}).headers["etag"]
    second = client.get(url, headers={"range": "bytes=0-9"}).headers["etag"]
    assert first == second
    work = context_of(client).paths.clip_cache
    assert [p.name for p in work.iterdir()] == [first.strip('"') + ".mp4"]


def test_clip_download_names_camera_and_time(client: TestClient) -> None:
    response = client.get(f"/api/front/start/{T0}/end/{T0 + 10}/clip.mp4?download=true")
    assert response.headers["content-disposition"] == (
        'attachment; filename="front_2024-06-21_20-00-00.000Z.mp4"'
    )


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        (
            f"/api/front/start/{T0 + 900}/end/{T0 + 990}/clip.mp4",
            400,
            "No recordings found for the specified time range",
        ),
        (f"/api/front/start/{T0 + 20}/end/{T0 + 10}/clip.mp4", 400, None),
        (f"/api/front/start/{T0}/end/{T0}/clip.mp4", 400, None),
        (f"/api/front/start/nan/end/{T0}/clip.mp4", 400, None),
        (f"/api/front/start/{T0}/end/inf/clip.mp4", 400, None),
        (f"/api/front/start/{T0}/end/{T0 + 90_000}/clip.mp4", 400, None),
        (f"/api/garage/start/{T0}/end/{T0 + 10}/clip.mp4", 404, "Camera not found"),
    ],
)
def test_clip_errors_are_json(
    client: TestClient, path: str, status: int, message: str | None
) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.json()["success"] is False
    if message:
        assert response.json()["message"] == message


def test_clip_of_unreadable_recordings_is_502_not_a_short_200(
    client: TestClient, recorded: Path
) -> None:
    for path in (recorded / "media" / "recordings").rglob("back/*.mp4"):
        path.unlink()
        path.write_bytes(b"not an mp4 at all")
    response = client.get(f"/api/back/start/{T0}/end/{T0 + 20}/clip.mp4")
    assert response.status_code == 502
    assert response.json()["success"] is False
    ranged = client.get(
        f"/api/back/start/{T0}/end/{T0 + 20}/clip.mp4", headers={"range": "bytes=0-"}
    )
    assert ranged.status_code == 502
    work = context_of(client).paths.clip_cache
    assert list(work.iterdir()) == []


def test_a_restricted_role_gets_403_on_recordings_routes(client: TestClient) -> None:
    for method, path in [
        ("GET", f"/api/back/recordings/{T0 + 5}/snapshot.jpg"),
        ("GET", f"/api/back/start/{T0}/end/{T0 + 10}/clip.mp4"),
        ("POST", f"/api/back/plus/{T0 + 5}"),
    ]:
        response = client.request(method, path, headers=FRONT_ONLY)
        assert response.status_code == 403, path
    ok = client.get(f"/api/front/recordings/{T0 + 5}/snapshot.jpg", headers=FRONT_ONLY)
    assert ok.status_code == 200
