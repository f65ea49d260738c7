"""Recorded frames and clip.mp4: exact frames, exact cuts, Range, ETag, errors; both paths."""

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
from frigate_media.errors import UpstreamFailed
from frigate_media.services.recordings import frame_at
from frigate_media.services.recordings.vod import build_plan
from frigate_media.storage.db import open_database
from tests.conftest import deep_merge
from tests.support.app import context_of
from tests.support.db import add_recording
from tests.support.framehash import decoded_frames, digests, source_frames
from tests.support.media import run_ffmpeg
from tests.support.recordings import FRONT_ONLY, NOW, PROXY, T0, record_segments

FRAME = 0.2  # the test clips run at 5 fps
FFMPEG_ONLY = {"limits": {"virtual_mp4": False, "frames_in_process": False}}


@pytest.fixture
def recorded(tmp_path: Path, frigate_db: Path, clip_factory: Callable[..., Path]) -> Path:
    record_segments(tmp_path, clip_factory, "front", T0, 6, gop_seconds=2)
    record_segments(tmp_path, clip_factory, "back", T0, 3, gop_seconds=1)
    return tmp_path


@pytest.fixture
def client(client_factory: Callable[..., TestClient], recorded: Path) -> TestClient:
    return client_factory(PROXY, clock=FixedClock(NOW))


@pytest.fixture
def ffmpeg_client(client_factory: Callable[..., TestClient], recorded: Path) -> TestClient:
    """Clips and frames by ffmpeg every time (the path the in-process ones fall back to)."""
    return client_factory(deep_merge(PROXY, FFMPEG_ONLY), clock=FixedClock(NOW))


@pytest.fixture(params=["in-process", "ffmpeg"])
def either(request: pytest.FixtureRequest) -> TestClient:
    """Each test with this fixture runs on both paths."""
    name = "client" if request.param == "in-process" else "ffmpeg_client"
    client: TestClient = request.getfixturevalue(name)
    return client


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


def probed_duration(data: bytes) -> float:
    """The duration a player is told (libavformat's, as ffprobe prints it): edit lists count."""
    with av.open(io.BytesIO(data)) as container:
        return float(container.duration / av.time_base)


# -- frame at a time -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "expected"),
    [(33.3, 33.4), (33.4, 33.4), (20.000012, 20.0), (59.95, 59.8), (0.0, 0.0)],
)
def test_snapshot_returns_the_frame_it_names(
    either: TestClient, recorded: Path, offset: float, expected: float
) -> None:
    response = either.get(f"/api/front/recordings/{T0 + offset:.6f}/snapshot.jpg")
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


def test_snapshot_png_with_height_keeps_the_ratio(either: TestClient) -> None:
    response = either.get(f"/api/front/recordings/{T0 + 12.5}/snapshot.png?height=120")
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


def test_a_frame_pyav_cannot_decode_is_grabbed_by_ffmpeg(
    client: TestClient, recorded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stand-in makes the in-process decode fail: PyAV and ffmpeg share their decoders, so no
    file here breaks one and not the other."""

    def broken(*_: object) -> None:
        raise UpstreamFailed("Unable to decode the recording: broken on purpose")

    monkeypatch.setattr(frame_at, "_decode", broken)
    response = client.get(f"/api/front/recordings/{T0 + 33.3:.6f}/snapshot.jpg")
    assert response.status_code == 200
    assert float(response.headers["x-frame-time"]) == pytest.approx(T0 + 33.4, abs=1e-4)
    image = np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"), dtype=np.int16)
    path = next((recorded / "media" / "recordings").rglob("front/00.30.mp4"))
    assert np.abs(image - decoded_frame(path, 3.4)).mean() < 6


LATE = 100.0  # where the late-starting segment sits in back's recordings


@pytest.fixture
def late_start(recorded: Path, frigate_db: Path, media_dir: Path) -> Path:
    """A segment whose container starts 2.5 s in (timestamps carried over), not at 0."""
    source = media_dir / "late_start_2.5s.mp4"
    if not source.exists():
        run_ffmpeg(
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=5", "-t", "10",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "5", "-bf", "0",
            "-output_ts_offset", "2.5", str(source),
        )  # fmt: skip
    with av.open(str(source)) as container:
        assert container.start_time == 2_500_000
    recordings = recorded / "media" / "recordings"
    return add_recording(frigate_db, recordings, "back", T0 + LATE, source, 10)


@pytest.mark.parametrize(("offset", "expected"), [(0.0, 0.0), (3.1, 3.2), (7.0, 7.0)])
def test_a_frame_of_a_file_not_starting_at_zero_is_the_frame_it_names(
    either: TestClient, late_start: Path, offset: float, expected: float
) -> None:
    """ffmpeg adds the file's start to `-ss`: the fallback once sought 2.5 s too far."""
    response = either.get(f"/api/back/recordings/{T0 + LATE + offset}/snapshot.png")
    assert response.status_code == 200
    frame_time = float(response.headers["x-frame-time"])
    assert frame_time == pytest.approx(T0 + LATE + expected, abs=1e-4)
    image = np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"), dtype=np.int16)
    here = np.abs(image - decoded_frame(late_start, 2.5 + expected)).mean()
    later = np.abs(image - decoded_frame(late_start, 2.5 + expected + 2.0)).mean()
    assert here < 3 < later


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


@pytest.mark.parametrize(("start", "end"), [(4.0, 33.3), (5.5, 25.0), (12.7, 19.9)])
def test_a_clip_lasts_the_range_to_a_frame_and_shows_the_source_frames(
    client: TestClient, recorded: Path, start: float, end: float
) -> None:
    response = client.get(f"/api/front/start/{T0 + start}/end/{T0 + end}/clip.mp4")
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["cache-control"] == "private, no-cache"
    assert response.content.find(b"moov") < response.content.find(b"mdat")  # plays while loading
    assert probed_duration(response.content) == pytest.approx(end - start, abs=FRAME)
    open_database(recorded / "config" / "frigate.db")
    plan = build_plan("front", T0 + start, T0 + end, now=NOW)
    shown = decoded_frames(io.BytesIO(response.content))
    assert digests(shown) == digests(source_frames(plan))
    assert shown[0][0] < FRAME  # playback starts at the requested moment, not the keyframe before


def test_a_clip_range_gets_206_byte_exact_and_the_same_etag(client: TestClient) -> None:
    url = f"/api/front/start/{T0 + 4.1}/end/{T0 + 33.3}/clip.mp4"
    whole = client.get(url)
    size, etag = len(whole.content), whole.headers["etag"]
    for header, (first, last) in [
        ("bytes=0-", (0, size - 1)),
        ("bytes=100-299", (100, 299)),
        (f"bytes={size - 50}-", (size - 50, size - 1)),
        ("bytes=-10", (size - 10, size - 1)),
        ("bytes=5000-5009, 100-199", (100, 5009)),  # two parts: one span covering both
    ]:
        part = client.get(url, headers={"range": header})
        assert part.status_code == 206, header
        assert part.headers["content-range"] == f"bytes {first}-{last}/{size}"
        assert int(part.headers["content-length"]) == last - first + 1
        assert part.headers["etag"] == etag
        assert part.content == whole.content[first : last + 1]


def test_a_clip_honours_if_none_match_and_if_range(client: TestClient) -> None:
    url = f"/api/front/start/{T0 + 4.1}/end/{T0 + 33.3}/clip.mp4"
    whole = client.get(url)
    etag = whole.headers["etag"]
    assert client.get(url).headers["etag"] == etag  # the same plan, the same bytes and ETag
    cached = client.get(url, headers={"if-none-match": etag, "range": "bytes=0-"})
    assert (cached.status_code, cached.content) == (304, b"")
    assert cached.headers["etag"] == etag
    same = client.get(url, headers={"range": "bytes=10-19", "if-range": etag})
    assert (same.status_code, same.content) == (206, whole.content[10:20])
    stale = client.get(url, headers={"range": "bytes=10-19", "if-range": '"older"'})
    assert (stale.status_code, stale.content) == (200, whole.content)
    moved = client.get(f"/api/front/start/{T0 + 4.2}/end/{T0 + 33.3}/clip.mp4")
    assert moved.headers["etag"] != etag


def test_a_clip_is_served_without_writing_a_byte(client: TestClient, recorded: Path) -> None:
    """Media, cache and the DB file are watched; only the sample index (our scratch) may change
    (and SQLite's own -wal/-shm beside the DB, which any reader of a WAL database opens)."""
    index = context_of(client).paths.sample_index

    def files() -> dict[Path, tuple[int, int]]:
        return {
            path: (path.stat().st_size, path.stat().st_mtime_ns)
            for path in recorded.rglob("*")
            if path.is_file()
            and index not in path.parents
            and not path.name.endswith(("-wal", "-shm"))
        }

    before = files()
    url = f"/api/front/start/{T0 + 2}/end/{T0 + 48}/clip.mp4"
    assert client.get(url).status_code == 200
    assert client.get(url, headers={"range": "bytes=1000-"}).status_code == 206
    assert client.head(url).status_code == 200
    assert files() == before


def test_a_clip_range_past_the_end_is_416_json(either: TestClient) -> None:
    url = f"/api/front/start/{T0}/end/{T0 + 10}/clip.mp4"
    response = either.get(url, headers={"range": "bytes=99999999-"})
    assert response.status_code == 416
    assert response.headers["content-range"].startswith("bytes */")
    assert response.json()["success"] is False
    assert either.get(url, headers={"range": "lines=1-2"}).status_code == 400


def test_clip_download_names_camera_and_time(either: TestClient) -> None:
    response = either.get(f"/api/front/start/{T0}/end/{T0 + 10}/clip.mp4?download=true")
    assert response.headers["content-disposition"] == (
        'attachment; filename="front_2024-06-21_20-00-00.000Z.mp4"'
    )


# -- clip.mp4 by ffmpeg (limits.virtual_mp4: false, and every fallback) -----------------------


def test_the_ffmpeg_clip_streams_a_fragmented_mp4_without_a_length(
    ffmpeg_client: TestClient,
) -> None:
    response = ffmpeg_client.get(f"/api/front/start/{T0 + 4}/end/{T0 + 33.3}/clip.mp4")
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["cache-control"] == "no-store"
    assert "content-length" not in response.headers and "etag" not in response.headers
    assert b"mvex" in response.content[:4096] and b"moof" in response.content
    assert mp4_duration(response.content) == pytest.approx(29.3, abs=FRAME + 1e-3)


def test_the_ffmpeg_clip_off_a_keyframe_starts_at_most_one_gop_early(
    ffmpeg_client: TestClient,
) -> None:
    response = ffmpeg_client.get(f"/api/front/start/{T0 + 5.5}/end/{T0 + 25}/clip.mp4")
    duration = mp4_duration(response.content)
    assert 19.5 - FRAME <= duration <= 19.5 + 2.0 + FRAME


def test_the_ffmpeg_clip_serves_ranges_from_one_faststart_file(ffmpeg_client: TestClient) -> None:
    url = f"/api/front/start/{T0 + 4}/end/{T0 + 33.3}/clip.mp4"
    full = ffmpeg_client.get(url, headers={"range": "bytes=0-"})
    assert full.status_code == 206
    size = int(full.headers["content-range"].split("/")[1])
    assert len(full.content) == size == int(full.headers["content-length"])
    etag = full.headers["etag"]
    assert full.headers["cache-control"] == "private, no-cache"
    assert mp4_duration(full.content) == pytest.approx(29.3, abs=FRAME + 1e-3)
    assert full.content.find(b"moov") < full.content.find(b"mdat")  # faststart
    for header, (first, last) in [
        ("bytes=100-299", (100, 299)),
        (f"bytes={size - 50}-", (size - 50, size - 1)),
        ("bytes=-10", (size - 10, size - 1)),
    ]:
        part = ffmpeg_client.get(url, headers={"range": header})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes {first}-{last}/{size}"
        assert part.headers["etag"] == etag
        assert part.content == full.content[first : last + 1]
    revalidated = ffmpeg_client.get(url, headers={"if-none-match": etag, "range": "bytes=0-"})
    assert revalidated.status_code == 304


def test_the_ffmpeg_clip_is_built_once_per_cut_points_not_per_millisecond(
    ffmpeg_client: TestClient,
) -> None:
    """Starts 1 ms apart before the same keyframe: one build, one file, one ETag."""
    tags = {
        ffmpeg_client.get(
            f"/api/front/start/{T0 + start}/end/{T0 + 12}/clip.mp4", headers={"range": "bytes=0-9"}
        ).headers["etag"]
        for start in (2.0, 2.001, 2.002, 3.5)
    }
    work = context_of(ffmpeg_client).paths.clip_cache
    assert len(tags) == 1
    assert [p.name for p in work.iterdir()] == [tags.pop().strip('"') + ".mp4"]


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
    either: TestClient, recorded: Path
) -> None:
    """Not MP4s at all: the assembler refuses them, and ffmpeg cannot read them either."""
    for path in (recorded / "media" / "recordings").rglob("back/*.mp4"):
        path.unlink()
        path.write_bytes(b"not an mp4 at all")
    response = either.get(f"/api/back/start/{T0}/end/{T0 + 20}/clip.mp4")
    assert response.status_code == 502
    assert response.json()["success"] is False
    ranged = either.get(
        f"/api/back/start/{T0}/end/{T0 + 20}/clip.mp4", headers={"range": "bytes=0-"}
    )
    assert ranged.status_code == 502
    work = context_of(either).paths.clip_cache
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
