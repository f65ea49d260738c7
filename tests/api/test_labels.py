"""/{camera}/{label}/best.jpg, thumbnail.jpg and snapshot.jpg: newest event, placeholders."""

from __future__ import annotations

import cv2
import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import FRONT_ONLY, EventMedia


def decode(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def test_label_thumbnail_is_the_newest_events(
    events_client: TestClient, event_media: EventMedia
) -> None:
    old = event_media.event("front", start=1_700_000_000.0)
    new = event_media.event("front", start=1_700_000_500.0)
    other = event_media.event("front", start=1_700_000_900.0, label="car")
    event_media.thumbnail("front", old, width=100, height=176)
    event_media.thumbnail("front", new, width=120, height=176)
    event_media.thumbnail("front", other, width=140, height=176)

    for route in ("best.jpg", "thumbnail.jpg"):
        response = events_client.get(f"/api/front/person/{route}")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, max-age=60"
        assert response.content.startswith(b"\xff\xd8")
        assert decode(response.content).shape[:2] == (176, 120)
    any_label = events_client.get("/api/front/any/thumbnail.jpg")
    assert decode(any_label.content).shape[:2] == (176, 140)


def test_label_thumbnail_without_events_is_a_black_placeholder(
    events_client: TestClient,
) -> None:
    response = events_client.get("/api/front/person/best.jpg")

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    image = decode(response.content)
    assert image.shape[:2] == (175, 175)
    assert image.max() < 10


def test_label_snapshot_is_the_newest_with_a_snapshot(
    events_client: TestClient, event_media: EventMedia
) -> None:
    with_snapshot = event_media.event("front", start=1_700_000_000.0)
    event_media.event("front", start=1_700_000_500.0, has_snapshot=0)
    stored = event_media.snapshot("front", with_snapshot, "jpg").read_bytes()

    response = events_client.get("/api/front/person/snapshot.jpg")

    assert response.status_code == 200
    assert response.content == stored


def test_label_snapshot_without_events_is_black_1280x720(events_client: TestClient) -> None:
    response = events_client.get("/api/front/any/snapshot.jpg")

    assert response.status_code == 200
    assert "cache-control" not in response.headers
    image = decode(response.content)
    assert image.shape[:2] == (720, 1280)
    assert image.max() < 10


@pytest.mark.e2e
def test_label_is_decoded_once(server_factory, event_media: EventMedia) -> None:
    # A real server: Starlette's TestClient itself decodes the path twice.
    event_id = event_media.event("front", label="a%20b")
    event_media.thumbnail("front", event_id, width=150, height=176)
    server = server_factory()

    response = httpx.get(server.url("/api/front/a%2520b/thumbnail.jpg"), timeout=30)

    assert response.status_code == 200
    assert decode(response.content).shape[:2] == (176, 150)


def test_bad_labels_and_cameras(events_client: TestClient) -> None:
    assert events_client.get("/api/front/..%2E/best.jpg").status_code == 400
    assert events_client.get("/api/front/a..b/snapshot.jpg").status_code == 400
    assert events_client.get("/api/nowhere/person/best.jpg").status_code == 404
    forbidden = events_client.get("/api/back/person/best.jpg", headers=FRONT_ONLY)
    assert forbidden.status_code == 403


def test_event_routes_are_not_captured_by_label_routes(
    events_client: TestClient, event_media: EventMedia
) -> None:
    event_id = event_media.event("front")
    event_media.snapshot("front", event_id, "jpg")

    response = events_client.get(f"/api/events/{event_id}/snapshot.jpg")

    assert response.status_code == 200
    assert "x-frame-time" in response.headers
