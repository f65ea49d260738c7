"""Event and review clips (padding, has_clip, access), label clips and event preview GIFs."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import av
import pytest
from fastapi.testclient import TestClient

from frigate_media.clock import FixedClock
from tests.api.conftest import FRONT_ONLY, PROXY_ROLES, EventMedia
from tests.support.app import context_of
from tests.support.db import insert
from tests.support.previews import T0 as PREVIEW_T0
from tests.support.previews import add_preview, gif_info
from tests.support.recordings import T0, record_segments


def duration_of(content: bytes) -> float:
    with av.open(io.BytesIO(content)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        return frames / float(stream.average_rate or 5)


@pytest.fixture
def recorded(
    client_factory: Callable[..., TestClient],
    frigate_db: Path,
    clip_factory: Callable[..., Path],
    tmp_path: Path,
) -> TestClient:
    record_segments(tmp_path, clip_factory, "front", T0, 3)
    record_segments(tmp_path, clip_factory, "back", T0, 3)
    return client_factory(PROXY_ROLES, clock=FixedClock(T0 + 86_400))


def add_review(db: Path, camera: str, start: float, end: float | None) -> str:
    review_id = f"{start}-rev{camera}"
    row = {
        "id": review_id,
        "camera": camera,
        "start_time": start,
        "end_time": end,
        "severity": "alert",
        "thumb_path": f"/media/frigate/clips/review/thumb-{camera}-{review_id}.webp",
        "data": {"objects": ["person"]},
    }
    insert(db, "reviewsegment", row)
    return review_id


def test_event_clip_is_the_padded_range(recorded: TestClient, event_media: EventMedia) -> None:
    event_id = event_media.event("front", start=T0 + 10, end=T0 + 14)

    plain = recorded.get(f"/api/events/{event_id}/clip.mp4")
    padded = recorded.get(f"/api/events/{event_id}/clip.mp4?padding=3")

    assert plain.status_code == 200, plain.text
    assert plain.headers["content-type"] == "video/mp4"
    # Stream copy starts on a keyframe (2 s GOP here): allow up to one GOP more.
    plain_seconds, padded_seconds = duration_of(plain.content), duration_of(padded.content)
    assert 4 - 0.5 <= plain_seconds <= 4 + 2.5
    assert padded_seconds - plain_seconds == pytest.approx(6, abs=2.5)


def test_event_clip_errors(recorded: TestClient, event_media: EventMedia) -> None:
    no_clip = event_media.event("front", start=T0 + 10, end=T0 + 14, has_clip=0)
    unrecorded = event_media.event("front", start=T0 + 500, end=T0 + 510)
    ok = event_media.event("front", start=T0 + 10, end=T0 + 14)

    assert recorded.get(f"/api/events/{no_clip}/clip.mp4").json() == {
        "success": False,
        "message": "Clip not available",
    }
    assert recorded.get(f"/api/events/{unrecorded}/clip.mp4").status_code == 400
    assert recorded.get("/api/events/1.0-nope00/clip.mp4").status_code == 404
    negative = recorded.get(f"/api/events/{ok}/clip.mp4?padding=-5")
    assert negative.status_code == 422
    assert negative.json()["success"] is False
    assert recorded.get("/api/events/a..b/clip.mp4").status_code == 400


def test_event_media_of_a_hidden_camera_is_403(
    recorded: TestClient, event_media: EventMedia, frigate_db: Path
) -> None:
    event_id = event_media.event("back", start=T0 + 10, end=T0 + 14)
    review_id = add_review(frigate_db, "back", T0 + 10, T0 + 14)

    for path in (
        f"/api/events/{event_id}/clip.mp4",
        f"/api/events/{event_id}/preview.gif",
        f"/api/review/{review_id}/clip.mp4",
    ):
        response = recorded.get(path, headers=FRONT_ONLY)
        assert response.status_code == 403, path


def test_review_clip_is_the_padded_range(recorded: TestClient, frigate_db: Path) -> None:
    review_id = add_review(frigate_db, "front", T0 + 5, T0 + 11)

    response = recorded.get(f"/api/review/{review_id}/clip.mp4?padding=2")

    assert response.status_code == 200, response.text
    assert 10 - 0.5 <= duration_of(response.content) <= 10 + 2.5
    missing = recorded.get("/api/review/1.0-nope00/clip.mp4")
    assert missing.status_code == 404
    assert missing.json() == {"success": False, "message": "Review not found"}


def test_label_clip_is_the_newest_event_with_a_clip(
    recorded: TestClient, event_media: EventMedia
) -> None:
    event_media.event("front", start=T0 + 2, end=T0 + 4)
    event_media.event("front", start=T0 + 10, end=T0 + 16)
    event_media.event("front", start=T0 + 20, end=T0 + 29, has_clip=0)

    response = recorded.get("/api/front/person/clip.mp4")

    assert response.status_code == 200
    assert 6 - 0.5 <= duration_of(response.content) <= 6 + 2.5
    none = recorded.get("/api/front/car/clip.mp4")
    assert none.status_code == 404
    assert none.json() == {"success": False, "message": "Event not found"}


def test_event_preview_gif_is_the_first_twenty_seconds(
    client_factory: Callable[..., TestClient],
    frigate_db: Path,
    event_media: EventMedia,
    clip_factory: Callable[..., Path],
) -> None:
    client = client_factory(PROXY_ROLES, clock=FixedClock(PREVIEW_T0 + 3 * 3600))
    context = context_of(client)
    source = clip_factory(seconds=60, fps=2, width=320, height=180, gop_seconds=20)
    add_preview(frigate_db, context.paths.previews, "front", PREVIEW_T0, PREVIEW_T0 + 60, source)
    event_id = event_media.event("front", start=PREVIEW_T0 + 5, end=PREVIEW_T0 + 50)

    response = client.get(f"/api/events/{event_id}/preview.gif")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/gif"
    assert response.headers["cache-control"] == "private, max-age=2592000"
    frames, loop, size = gif_info(response.content)
    assert frames > 1 and loop == 0 and size[1] > 0
    no_preview = event_media.event("front", start=PREVIEW_T0 + 7200, end=PREVIEW_T0 + 7210)
    assert client.get(f"/api/events/{no_preview}/preview.gif").status_code == 404
