"""Preview routes over HTTP: GIF and MP4 ranges, review previews, frames, lists, access, bad input."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from frigate_media.clock import FixedClock
from frigate_media.ffmpeg.runner import FfmpegRunner
from frigate_media.services.previews.frames import frame_name
from tests.support.app import context_of
from tests.support.db import insert
from tests.support.images import bomb_png
from tests.support.media import ffmpeg_binary
from tests.support.previews import T0, add_preview, gif_info, mp4_info, write_frames

PAST = T0 + 3 * 3600
PROXY: dict[str, Any] = {
    "proxy": {"header_map": {"user": "x-forwarded-user", "role": "x-forwarded-role"}}
}
FRONT_ONLY = {"x-forwarded-user": "bob", "x-forwarded-role": "front_only"}


@pytest.fixture
def preview_clip(clip_factory: Callable[..., Path]) -> Path:
    return clip_factory(seconds=60, fps=2, width=320, height=180, gop_seconds=20)


@pytest.fixture
def make_client(
    client_factory: Callable[..., TestClient], frigate_db: Path
) -> Callable[..., TestClient]:
    def factory(
        now: float = PAST, headers: dict[str, str] | None = None, **override: Any
    ) -> TestClient:
        return client_factory({**PROXY, **override}, clock=FixedClock(now), headers=headers)

    return factory


def add_review(db: Path, camera: str, start: float, end: float | None) -> str:
    review_id = f"{start}-rev{camera}"
    insert(
        db,
        "reviewsegment",
        {
            "id": review_id,
            "camera": camera,
            "start_time": start,
            "end_time": end,
            "severity": "alert",
            "thumb_path": f"/media/frigate/clips/review/thumb-{camera}-{review_id}.webp",
            "data": {"objects": ["person"]},
        },
    )
    return review_id


def assert_json_error(response: Any, status: int) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert body["message"]


# ------------------------------------------------------------------ preview.gif


def test_preview_gif_of_a_past_hour_is_an_animated_looping_gif_cached_30_days(
    make_client: Callable[..., TestClient], frigate_db: Path, preview_clip: Path
) -> None:
    client = make_client()
    add_preview(frigate_db, context_of(client).paths.previews, "front", T0, T0 + 60, preview_clip)
    response = client.get(f"/api/front/start/{T0 + 5}/end/{T0 + 25}/preview.gif")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/gif"
    assert response.headers["cache-control"] == "private, max-age=2592000"
    frames, loop, _ = gif_info(response.content)
    assert frames > 1 and loop == 0


def test_preview_gif_of_the_current_hour_gets_a_short_max_age(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(now=T0 + 900)
    write_frames(context_of(client).paths.preview_frames, "front", [T0 + i for i in range(10)])
    response = client.get(f"/api/front/start/{T0}/end/{T0 + 20}/preview.gif?max_cache_age=999")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, max-age=60"
    assert gif_info(response.content)[0] > 1


def test_preview_gif_honours_max_cache_age_and_rejects_a_negative_one(
    make_client: Callable[..., TestClient], frigate_db: Path, preview_clip: Path
) -> None:
    client = make_client()
    add_preview(frigate_db, context_of(client).paths.previews, "front", T0, T0 + 60, preview_clip)
    url = f"/api/front/start/{T0}/end/{T0 + 10}/preview.gif"
    assert client.get(url + "?max_cache_age=120").headers["cache-control"] == (
        "private, max-age=120"
    )
    assert_json_error(client.get(url + "?max_cache_age=-1"), 422)


def test_preview_gif_without_a_preview_is_404_json(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client()
    response = client.get(f"/api/front/start/{T0}/end/{T0 + 10}/preview.gif")
    assert_json_error(response, 404)
    assert response.json()["message"] == "Preview not found"


def test_preview_gif_of_an_unknown_camera_is_404_json(
    make_client: Callable[..., TestClient],
) -> None:
    response = make_client().get(f"/api/nowhere/start/{T0}/end/{T0 + 10}/preview.gif")
    assert_json_error(response, 404)


@pytest.mark.parametrize(
    ("start", "end"),
    [(T0 + 10, T0 + 10), (T0 + 20, T0 + 10), ("nan", T0), (T0, "inf"), (T0, T0 + 7200)],
)
@pytest.mark.parametrize("kind", ["gif", "mp4"])
def test_preview_bad_ranges_are_400_json(
    make_client: Callable[..., TestClient], start: object, end: object, kind: str
) -> None:
    client = make_client(limits={"gif_max_seconds": 3600, "preview_mp4_max_seconds": 3600})
    assert_json_error(client.get(f"/api/front/start/{start}/end/{end}/preview.{kind}"), 400)


def test_preview_non_numeric_time_is_422_json(make_client: Callable[..., TestClient]) -> None:
    assert_json_error(make_client().get("/api/front/start/abc/end/2/preview.gif"), 422)


# ------------------------------------------------------------------ preview.mp4


def test_preview_mp4_is_served_with_length_range_and_cache_control(
    make_client: Callable[..., TestClient], frigate_db: Path, preview_clip: Path
) -> None:
    client = make_client()
    add_preview(frigate_db, context_of(client).paths.previews, "front", T0, T0 + 60, preview_clip)
    url = f"/api/front/start/{T0 + 10}/end/{T0 + 50}/preview.mp4"
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["cache-control"] == "private, max-age=604800"
    assert int(response.headers["content-length"]) == len(response.content)
    assert "x-accel-redirect" not in response.headers
    assert "preview_front_" in response.headers["content-disposition"]
    codec, duration, _, _ = mp4_info(response.content)
    assert codec == "h264"
    assert duration == pytest.approx(40 * 0.12, abs=0.4)
    partial = client.get(url, headers={"Range": "bytes=0-99"})
    assert partial.status_code == 206
    assert len(partial.content) == 100
    assert partial.headers["content-range"].startswith("bytes 0-99/")
    past = client.get(url, headers={"Range": f"bytes={len(response.content)}-"})
    assert_json_error(past, 416)
    assert_json_error(client.get(url, headers={"Range": "bytes=9-1"}), 400)


def test_preview_mp4_behind_frigate_nginx_names_the_cache_file(
    make_client: Callable[..., TestClient], frigate_db: Path, preview_clip: Path
) -> None:
    client = make_client(server={"behind_frigate_nginx": True})
    context = context_of(client)
    add_preview(frigate_db, context.paths.previews, "front", T0, T0 + 60, preview_clip)
    response = client.get(f"/api/front/start/{T0}/end/{T0 + 20}/preview.mp4")
    assert response.status_code == 200
    name = f"preview_front_{T0}-{T0 + 20}.mp4"
    assert response.headers["x-accel-redirect"] == f"/cache/{name}"
    assert (context.paths.cache / name).read_bytes() == response.content


def test_preview_mp4_without_a_preview_is_404_json(
    make_client: Callable[..., TestClient],
) -> None:
    assert_json_error(make_client().get(f"/api/front/start/{T0}/end/{T0 + 10}/preview.mp4"), 404)


@pytest.mark.parametrize("source", ["hourly preview", "current-hour frames", "review"])
def test_a_preview_mp4_keeps_its_validators_so_browsers_can_reuse_ranges(
    make_client: Callable[..., TestClient], frigate_db: Path, preview_clip: Path, source: str
) -> None:
    if source == "current-hour frames":
        # The clock is still in the range's hour; the range itself has been over for minutes.
        client = make_client(now=T0 + 600)
        write_frames(context_of(client).paths.preview_frames, "front", [T0 + i for i in range(20)])
        url = f"/api/front/start/{T0}/end/{T0 + 30}/preview.mp4"
    else:
        client = make_client()
        previews = context_of(client).paths.previews
        add_preview(frigate_db, previews, "front", T0, T0 + 60, preview_clip)
        url = f"/api/front/start/{T0 + 10}/end/{T0 + 50}/preview.mp4"
        if source == "review":
            url = f"/api/review/{add_review(frigate_db, 'front', T0 + 20, T0 + 30)}/preview?format=mp4"
    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    etag = first.headers["etag"]
    assert second.headers["etag"] == etag
    assert first.headers["last-modified"] == second.headers["last-modified"]
    # Frigate's header, every time (it never switches to a short age for the same bytes).
    assert first.headers["cache-control"] == second.headers["cache-control"]
    assert first.headers["cache-control"] == "private, max-age=604800"
    ranged = client.get(url, headers={"Range": "bytes=100-199", "If-Range": etag})
    assert ranged.status_code == 206
    assert ranged.content == first.content[100:200]
    assert ranged.headers["etag"] == etag
    changed = client.get(url, headers={"Range": "bytes=100-199", "If-Range": '"other"'})
    assert changed.status_code == 200 and changed.content == first.content


# ------------------------------------------------------------------ review preview


@pytest.mark.parametrize(
    ("fmt", "media_type", "max_age"),
    [("gif", "image/gif", 2592000), ("mp4", "video/mp4", 604800), ("ts", "video/mp4", 604800)],
)
def test_review_preview_pads_the_review_and_picks_the_format(
    make_client: Callable[..., TestClient],
    frigate_db: Path,
    preview_clip: Path,
    fmt: str,
    media_type: str,
    max_age: int,
) -> None:
    client = make_client()
    add_preview(frigate_db, context_of(client).paths.previews, "front", T0, T0 + 60, preview_clip)
    review_id = add_review(frigate_db, "front", T0 + 20, T0 + 30)
    response = client.get(f"/api/review/{review_id}/preview?format={fmt}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media_type
    assert response.headers["cache-control"] == f"private, max-age={max_age}"
    if fmt == "gif":
        assert gif_info(response.content)[0] > 1
    else:
        # 10 s of review plus 8 s each side, sped up by 0.12.
        assert mp4_info(response.content)[1] == pytest.approx(26 * 0.12, abs=0.4)


def test_review_preview_of_an_unknown_review_is_404_json(
    make_client: Callable[..., TestClient],
) -> None:
    response = make_client().get("/api/review/nope-123/preview")
    assert_json_error(response, 404)
    assert response.json()["message"] == "Review segment not found"


@pytest.mark.parametrize(("camera", "status"), [("front", 200), ("back", 403)])
def test_review_preview_checks_the_reviews_camera(
    make_client: Callable[..., TestClient],
    frigate_db: Path,
    preview_clip: Path,
    camera: str,
    status: int,
) -> None:
    client = make_client(headers=FRONT_ONLY)
    add_preview(frigate_db, context_of(client).paths.previews, camera, T0, T0 + 60, preview_clip)
    review_id = add_review(frigate_db, camera, T0 + 20, T0 + 30)
    response = client.get(f"/api/review/{review_id}/preview")
    assert response.status_code == status
    if status == 403:
        assert_json_error(response, 403)


# ------------------------------------------------------------------ preview frame thumbnails


def test_preview_thumbnail_serves_webp_as_stored_and_real_jpeg(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client()
    (path,) = write_frames(context_of(client).paths.preview_frames, "front", [T0 + 1.5])
    webp = client.get(f"/api/preview/{path.name}/thumbnail.webp")
    assert webp.status_code == 200
    assert webp.headers["content-type"] == "image/webp"
    assert webp.headers["cache-control"] == "private, max-age=31536000"
    assert webp.content == path.read_bytes()
    jpg = client.get(f"/api/preview/{path.name}/thumbnail.jpg")
    assert jpg.status_code == 200
    assert jpg.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(jpg.content)) as image:
        assert image.format == "JPEG"
        assert image.size == (320, 180)


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("front-1.webp", 400),
        ("notpreview_front-1.webp", 400),
        ("%2E%2E", 400),
        ("preview_front-..webp", 400),
        # decoded, the slashes make it another route: the tz-hour list, whose day is not a number
        ("preview_..%2F..%2Fconfig%2Ffrigate.db", 422),
        ("preview_front%2F..%2F1.webp", 404),
        ("preview_front-123.webp", 404),
        ("preview_" + "x" * 1000, 403),
    ],
)
def test_preview_thumbnail_rejects_hostile_or_missing_names_with_json(
    make_client: Callable[..., TestClient], name: str, status: int
) -> None:
    client = make_client()
    assert_json_error(client.get(f"/api/preview/{name}/thumbnail.webp"), status)


@pytest.mark.parametrize(("camera", "status"), [("front", 200), ("back", 403)])
def test_preview_thumbnail_checks_the_camera_in_the_name(
    make_client: Callable[..., TestClient], camera: str, status: int
) -> None:
    client = make_client(headers=FRONT_ONLY)
    write_frames(context_of(client).paths.preview_frames, camera, [T0 + 2])
    response = client.get(f"/api/preview/{frame_name(camera, T0 + 2)}/thumbnail.jpg")
    assert response.status_code == status


def test_a_preview_frame_declaring_a_huge_picture_is_not_decoded(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client()
    directory = context_of(client).paths.preview_frames
    directory.mkdir(parents=True, exist_ok=True)
    (directory / frame_name("front", T0 + 2)).write_bytes(bomb_png())
    assert_json_error(client.get(f"/api/preview/{frame_name('front', T0 + 2)}/thumbnail.jpg"), 404)


# ------------------------------------------------------------------ UI lists


def add_hour_previews(client: TestClient, db: Path, clip: Path) -> None:
    previews_dir = context_of(client).paths.previews
    add_preview(db, previews_dir, "back", T0, T0 + 3600, clip)
    add_preview(db, previews_dir, "front", T0 + 3600, T0 + 7200, clip)
    add_preview(db, previews_dir, "front", T0, T0 + 3600, clip)


def test_preview_list_of_all_cameras_is_ordered_with_media_relative_src(
    make_client: Callable[..., TestClient], frigate_db: Path, preview_clip: Path
) -> None:
    client = make_client()
    add_hour_previews(client, frigate_db, preview_clip)
    response = client.get(f"/api/preview/all/start/{int(T0)}/end/{int(T0 + 5000)}")
    assert response.status_code == 200
    clips = response.json()
    assert [(c["camera"], c["start"]) for c in clips][2] == ("front", T0 + 3600)
    assert {c["camera"] for c in clips[:2]} == {"front", "back"}
    first = clips[0]
    assert first["type"] == "video/mp4"
    assert first["src"] == f"/clips/previews/{first['camera']}/{T0}-{T0 + 3600}.mp4"
    assert first["end"] == T0 + 3600


def test_preview_list_is_filtered_to_the_roles_cameras(
    make_client: Callable[..., TestClient], frigate_db: Path, preview_clip: Path
) -> None:
    client = make_client(headers=FRONT_ONLY)
    add_hour_previews(client, frigate_db, preview_clip)
    clips = client.get(f"/api/preview/all/start/{int(T0)}/end/{int(T0 + 5000)}").json()
    assert {c["camera"] for c in clips} == {"front"}
    assert_json_error(client.get(f"/api/preview/back/start/{int(T0)}/end/{int(T0 + 10)}"), 403)


def test_preview_list_without_previews_is_404_json(
    make_client: Callable[..., TestClient],
) -> None:
    response = make_client().get(f"/api/preview/front/start/{int(T0)}/end/{int(T0 + 10)}")
    assert_json_error(response, 404)
    assert response.json()["message"] == "No previews found."


def test_preview_list_of_a_local_hour(
    make_client: Callable[..., TestClient], frigate_db: Path, preview_clip: Path
) -> None:
    client = make_client()
    add_hour_previews(client, frigate_db, preview_clip)
    # T0 is 2023-11-14 22:00 UTC.
    clips = client.get("/api/preview/2023-11/14/22/front/utc").json()
    assert [c["start"] for c in clips] == [T0]


def test_preview_frames_lists_this_cameras_frames_in_order(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(now=T0 + 600)
    frames_dir = context_of(client).paths.preview_frames
    write_frames(frames_dir, "front", [T0 + 10, T0 + 2.5, T0 + 500])
    write_frames(frames_dir, "back", [T0 + 3])
    response = client.get(f"/api/preview/front/start/{int(T0)}/end/{int(T0 + 100)}/frames")
    assert response.status_code == 200
    assert response.json() == [frame_name("front", T0 + 2.5), frame_name("front", T0 + 10)]


def test_preview_frames_is_403_for_a_camera_the_role_cannot_see(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(headers=FRONT_ONLY)
    response = client.get(f"/api/preview/back/start/{int(T0)}/end/{int(T0 + 100)}/frames")
    assert_json_error(response, 403)


def test_preview_frames_with_the_folder_missing_is_404_json(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client()
    context_of(client).paths.preview_frames.rmdir()
    response = client.get(f"/api/preview/front/start/{int(T0)}/end/{int(T0 + 100)}/frames")
    assert_json_error(response, 404)


def test_a_full_job_limit_is_503_json_with_retry_after(
    client_factory: Callable[..., TestClient], frigate_db: Path, preview_clip: Path
) -> None:
    # The real runner with every job slot taken (it has none) and no wait for one.
    full = FfmpegRunner(ffmpeg_binary(), max_jobs=0, queue_wait=0)
    client = client_factory(PROXY, clock=FixedClock(PAST), ffmpeg=full)
    add_preview(frigate_db, context_of(client).paths.previews, "front", T0, T0 + 60, preview_clip)
    response = client.get(f"/api/front/start/{T0}/end/{T0 + 10}/preview.gif")
    assert_json_error(response, 503)
    assert int(response.headers["retry-after"]) > 0
