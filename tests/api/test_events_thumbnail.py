"""GET /events/{id}/thumbnail.{ext}: always re-encoded, android padding, cache by state."""

from __future__ import annotations

import base64

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import EventMedia
from tests.support.media import make_image

MAGIC = {
    "jpg": (b"\xff\xd8\xff", "image/jpeg"),
    "jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    "png": (b"\x89PNG", "image/png"),
    "webp": (b"RIFF", "image/webp"),
}


def decode(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


@pytest.mark.parametrize("ext", ["jpg", "jpeg", "png", "webp"])
def test_stored_webp_thumbnail_is_reencoded_to_the_requested_format(
    events_client: TestClient, event_media: EventMedia, ext: str
) -> None:
    event_id = event_media.event("front")
    event_media.thumbnail("front", event_id, width=232, height=174)

    response = events_client.get(f"/api/events/{event_id}/thumbnail.{ext}")

    magic, mime = MAGIC[ext]
    assert response.status_code == 200
    assert response.headers["content-type"] == mime
    assert response.content.startswith(magic)
    assert decode(response.content).shape[:2] == (174, 232)
    assert response.headers["cache-control"] == "private, max-age=2592000"


def test_base64_thumbnail_column_wins_over_the_file(
    events_client: TestClient, event_media: EventMedia, tmp_path
) -> None:
    legacy = make_image(tmp_path / "legacy.jpg", 100, 50).read_bytes()
    event_id = event_media.event("front", thumbnail=base64.b64encode(legacy).decode())
    event_media.thumbnail("front", event_id)

    response = events_client.get(f"/api/events/{event_id}/thumbnail.webp")

    assert response.content.startswith(b"RIFF")
    assert decode(response.content).shape[:2] == (50, 100)


def test_android_format_pads_to_about_two_to_one(
    events_client: TestClient, event_media: EventMedia
) -> None:
    event_id = event_media.event("front")
    event_media.thumbnail("front", event_id, width=200, height=174)

    response = events_client.get(f"/api/events/{event_id}/thumbnail.jpg?format=android")

    image = decode(response.content)
    assert image.shape[:2] == (174, 400)
    assert image[:, :90].max() < 40  # the padding is black
    assert image[:, 110:290].mean() > 40


def test_max_cache_age_sets_the_header_and_must_not_be_negative(
    events_client: TestClient, event_media: EventMedia
) -> None:
    event_id = event_media.event("front")
    event_media.thumbnail("front", event_id)

    ok = events_client.get(f"/api/events/{event_id}/thumbnail.jpg?max_cache_age=60")
    negative = events_client.get(f"/api/events/{event_id}/thumbnail.jpg?max_cache_age=-1")
    junk = events_client.get(f"/api/events/{event_id}/thumbnail.jpg?max_cache_age=abc")

    assert ok.headers["cache-control"] == "private, max-age=60"
    assert negative.status_code in (400, 422)
    assert negative.json()["success"] is False
    assert junk.status_code in (400, 422)


def test_in_progress_thumbnail_is_not_cached(
    events_client: TestClient, event_media: EventMedia
) -> None:
    event_id = event_media.event("front", end=None)
    event_media.thumbnail("front", event_id)

    response = events_client.get(f"/api/events/{event_id}/thumbnail.png")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


def test_unknown_event_and_extension(events_client: TestClient, event_media: EventMedia) -> None:
    event_id = event_media.event("front")

    assert events_client.get("/api/events/1.0-abcdef/thumbnail.jpg").status_code == 404
    assert events_client.get(f"/api/events/{event_id}/thumbnail.jpg").status_code == 404
    bad_ext = events_client.get(f"/api/events/{event_id}/thumbnail.gif")
    assert bad_ext.status_code == 422
    assert bad_ext.json()["success"] is False


def test_corrupt_stored_thumbnail_is_404_not_500(
    events_client: TestClient, event_media: EventMedia
) -> None:
    event_id = event_media.event("front")
    path = event_media.clips / "thumbs" / "front" / f"{event_id}.webp"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF....garbage")

    response = events_client.get(f"/api/events/{event_id}/thumbnail.jpg?format=android")

    assert response.status_code == 404
    assert event_id in response.json()["message"]
