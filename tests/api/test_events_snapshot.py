"""GET /events/{id}/snapshot.jpg and snapshot-clean.webp: ended, in progress, params, access."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from fastapi.testclient import TestClient

from frigate_media import imaging
from frigate_media.services.events.snapshots import CLEAN_WEBP_QUALITY
from tests.api.conftest import FRONT_ONLY, PROXY_ROLES, EventMedia
from tests.support.app import context_of
from tests.support.images import bomb_png

MIB = 1024 * 1024


def decode(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def test_ended_snapshot_without_params_is_the_stored_jpg(
    events_client: TestClient, event_media: EventMedia
) -> None:
    event_id = event_media.event("front", data={"box": [0.1, 0.1, 0.3, 0.5]})
    stored = event_media.snapshot("front", event_id, "jpg").read_bytes()

    response = events_client.get(f"/api/events/{event_id}/snapshot.jpg")

    assert response.status_code == 200
    assert response.content == stored
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "private, max-age=31536000"
    assert float(response.headers["x-frame-time"]) == 1_700_000_000.0
    assert "content-disposition" not in response.headers


def test_frame_time_header_prefers_the_snapshot_frame_time(
    events_client: TestClient, event_media: EventMedia
) -> None:
    event_id = event_media.event(
        "front", data={"box": [0.1, 0.1, 0.3, 0.5], "snapshot_frame_time": 1_700_000_003.25}
    )
    event_media.snapshot("front", event_id, "jpg")

    response = events_client.get(f"/api/events/{event_id}/snapshot.jpg?download=true")

    assert response.headers["x-frame-time"] == "1700000003.25"
    assert (
        response.headers["content-disposition"] == f"attachment; filename=snapshot-{event_id}.jpg"
    )


def test_height_renders_from_the_clean_copy(
    events_client: TestClient, event_media: EventMedia
) -> None:
    event_id = event_media.event("front")
    event_media.snapshot("front", event_id, "webp", width=640, height=360)

    response = events_client.get(f"/api/events/{event_id}/snapshot.jpg?height=90&bbox=0")

    assert response.status_code == 200
    assert decode(response.content).shape[:2] == (90, 160)


def test_crop_renders_a_square_around_the_box(
    events_client: TestClient, event_media: EventMedia
) -> None:
    event_id = event_media.event("front", data={"box": [0.1, 0.1, 0.3, 0.5]})
    event_media.snapshot("front", event_id, "webp", width=640, height=360)

    response = events_client.get(f"/api/events/{event_id}/snapshot.jpg?crop=1&bbox=0")

    assert decode(response.content).shape[:2] == (300, 300)


def test_bbox_draws_on_the_clean_copy(events_client: TestClient, event_media: EventMedia) -> None:
    event_id = event_media.event("front", data={"box": [0.1, 0.1, 0.3, 0.5], "score": 0.9})
    event_media.snapshot("front", event_id, "webp", width=640, height=360)

    plain = decode(events_client.get(f"/api/events/{event_id}/snapshot.jpg?bbox=0").content)
    boxed = decode(events_client.get(f"/api/events/{event_id}/snapshot.jpg?bbox=1").content)

    assert plain.shape == boxed.shape == (360, 640, 3)
    # The box's left edge is at x = 64: pixels change there, not far from the box.
    left_edge = np.abs(plain[60:200, 63:66].astype(int) - boxed[60:200, 63:66].astype(int))
    far_away = np.abs(plain[300:350, 500:600].astype(int) - boxed[300:350, 500:600].astype(int))
    assert left_edge.mean() > 20
    assert far_away.mean() < 5


def test_legacy_png_clean_copy_is_used_for_rendering(
    events_client: TestClient, event_media: EventMedia
) -> None:
    event_id = event_media.event("front")
    event_media.snapshot("front", event_id, "png", width=640, height=360)

    response = events_client.get(f"/api/events/{event_id}/snapshot.jpg?height=180")

    assert decode(response.content).shape[:2] == (180, 320)


def test_only_a_legacy_jpg_still_honours_height(
    events_client: TestClient, event_media: EventMedia
) -> None:
    event_id = event_media.event("front")
    event_media.snapshot("front", event_id, "jpg", width=640, height=360)

    response = events_client.get(f"/api/events/{event_id}/snapshot.jpg?height=36&crop=1")

    assert decode(response.content).shape[:2] == (36, 64)


def test_event_without_snapshot_is_404(events_client: TestClient, event_media: EventMedia) -> None:
    event_id = event_media.event("front", has_snapshot=0)

    response = events_client.get(f"/api/events/{event_id}/snapshot.jpg")

    assert response.status_code == 404
    assert response.json() == {"success": False, "message": "Snapshot not available"}


def test_missing_snapshot_file_is_404_naming_the_event(
    events_client: TestClient, event_media: EventMedia
) -> None:
    event_id = event_media.event("front")

    response = events_client.get(f"/api/events/{event_id}/snapshot.jpg")

    assert response.status_code == 404
    assert event_id in response.json()["message"]


def test_unknown_event_is_404(events_client: TestClient) -> None:
    response = events_client.get("/api/events/1700000000.0-zzzzzz/snapshot.jpg")

    assert response.status_code == 404
    assert response.json() == {"success": False, "message": "Event not found"}


def test_hostile_ids_are_4xx_json(events_client: TestClient) -> None:
    for event_id in ("..", "a..b", "%2E%2E", "x%2Fy", "bad%20id", "%C3%A9t%C3%A9", "9" * 200):
        for route in ("snapshot.jpg", "snapshot-clean.webp", "thumbnail.jpg"):
            response = events_client.get(f"/api/events/{event_id}/{route}")
            assert 400 <= response.status_code < 500, (event_id, route)
            assert response.json()["success"] is False


def test_in_progress_event_without_a_tracker_uses_its_clean_copy(
    events_client: TestClient, event_media: EventMedia
) -> None:
    event_id = event_media.event("front", end=None)
    event_media.snapshot("front", event_id, "webp", width=640, height=360)

    response = events_client.get(f"/api/events/{event_id}/snapshot.jpg?height=72")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert decode(response.content).shape[:2] == (72, 128)


def test_in_progress_event_without_any_image_is_404(
    events_client: TestClient, event_media: EventMedia
) -> None:
    event_id = event_media.event("front", end=None)

    response = events_client.get(f"/api/events/{event_id}/snapshot.jpg")

    assert response.status_code == 404
    assert response.json()["message"] == "Live frame not available"


def test_clean_webp_is_served_with_cache_by_state(
    events_client: TestClient, event_media: EventMedia
) -> None:
    ended = event_media.event("front")
    ongoing = event_media.event("front", start=1_700_000_100.0, end=None)
    stored = event_media.snapshot("front", ended, "webp").read_bytes()
    event_media.snapshot("front", ongoing, "webp")

    done = events_client.get(f"/api/events/{ended}/snapshot-clean.webp?download=1")
    live = events_client.get(f"/api/events/{ongoing}/snapshot-clean.webp")

    assert done.status_code == 200
    assert done.content == stored
    assert done.headers["content-type"] == "image/webp"
    assert done.headers["cache-control"] == "private, max-age=31536000"
    assert (
        done.headers["content-disposition"] == f"attachment; filename=snapshot-{ended}-clean.webp"
    )
    assert live.headers["cache-control"] == "no-cache"


def test_legacy_png_is_converted_once_into_our_scratch_never_next_to_it(
    events_client: TestClient, event_media: EventMedia
) -> None:
    event_id = event_media.event("front")
    event_media.snapshot("front", event_id, "png", width=320, height=180)
    clips_before = sorted(p.name for p in event_media.clips.iterdir())

    response = events_client.get(f"/api/events/{event_id}/snapshot-clean.webp")

    assert response.status_code == 200
    assert response.content[:4] == b"RIFF" and response.content[8:12] == b"WEBP"
    assert decode(response.content).shape[:2] == (180, 320)
    assert sorted(p.name for p in event_media.clips.iterdir()) == clips_before
    kept = context_of(events_client).paths.clean_snapshots
    assert [p.name for p in kept.iterdir()] == [f"front-{event_id}-clean.webp"]
    assert (kept / f"front-{event_id}-clean.webp").read_bytes() == response.content
    again = events_client.get(f"/api/events/{event_id}/snapshot-clean.webp")
    assert again.content == response.content


def converted_size(png: Path) -> int:
    """The bytes of a PNG's converted clean copy (what the service keeps)."""
    image = imaging.decode(png.read_bytes())
    assert image is not None
    return len(imaging.encode(image, "webp", CLEAN_WEBP_QUALITY))


def test_converted_clean_copies_stay_under_their_cap_least_recently_used_first(
    client_factory: Callable[..., TestClient], event_media: EventMedia
) -> None:
    ids = [event_media.event("front", start=1_700_000_000.0 + 20 * n) for n in range(3)]
    pngs = [event_media.snapshot("front", i, "png", width=320, height=180) for i in ids]
    size = converted_size(pngs[0])
    cap = int(2.5 * size)  # two copies fit, three do not
    client = client_factory({**PROXY_ROLES, "limits": {"clean_snapshot_cache_mb": cap / MIB}})
    kept = context_of(client).paths.clean_snapshots

    def fetch(event_id: str) -> None:
        response = client.get(f"/api/events/{event_id}/snapshot-clean.webp")
        assert response.status_code == 200
        assert decode(response.content).shape[:2] == (180, 320)
        assert sum(p.stat().st_size for p in kept.iterdir()) <= cap

    a, b, c = ids
    fetch(a)
    fetch(b)
    fetch(a)  # served from its kept copy: now the most recently used
    fetch(c)  # room for c: b goes
    assert sorted(p.name for p in kept.iterdir()) == sorted(
        [f"front-{a}-clean.webp", f"front-{c}-clean.webp"]
    )
    assert context_of(client).clean_snapshots.stats().bytes == 2 * size


def test_a_converted_copy_larger_than_its_cap_is_served_and_not_kept(
    client_factory: Callable[..., TestClient], event_media: EventMedia
) -> None:
    event_id = event_media.event("front")
    png = event_media.snapshot("front", event_id, "png", width=320, height=180)
    cap = converted_size(png) // 2
    client = client_factory({**PROXY_ROLES, "limits": {"clean_snapshot_cache_mb": cap / MIB}})

    response = client.get(f"/api/events/{event_id}/snapshot-clean.webp")

    assert response.status_code == 200
    assert decode(response.content).shape[:2] == (180, 320)
    kept = context_of(client).paths.clean_snapshots
    assert not kept.exists() or list(kept.iterdir()) == []


def test_undecodable_png_is_400_and_writes_nothing(
    events_client: TestClient, event_media: EventMedia
) -> None:
    event_id = event_media.event("front")
    event_media.clips.mkdir(parents=True, exist_ok=True)
    (event_media.clips / f"front-{event_id}-clean.png").write_bytes(b"not a png")

    response = events_client.get(f"/api/events/{event_id}/snapshot-clean.webp")

    assert response.status_code == 400
    assert response.json()["message"] == "Unable to load clean snapshot for event"
    assert not (event_media.clips / f"front-{event_id}-clean.webp").exists()


def test_a_clean_png_declaring_a_huge_picture_is_400_and_writes_nothing(
    events_client: TestClient, event_media: EventMedia
) -> None:
    event_id = event_media.event("front")
    event_media.clips.mkdir(parents=True, exist_ok=True)
    (event_media.clips / f"front-{event_id}-clean.png").write_bytes(bomb_png())

    response = events_client.get(f"/api/events/{event_id}/snapshot-clean.webp")

    assert response.status_code == 400
    assert response.json()["message"] == "Unable to load clean snapshot for event"
    assert not (event_media.clips / f"front-{event_id}-clean.webp").exists()


def test_clean_webp_needs_snapshots_enabled(
    client_factory, frigate_db, event_media: EventMedia
) -> None:
    client = client_factory({"cameras": {"front": {"snapshots": {"enabled": False}}}})
    event_id = event_media.event("front")
    event_media.snapshot("front", event_id, "webp")

    response = client.get(f"/api/events/{event_id}/snapshot-clean.webp")

    assert response.status_code == 404
    assert response.json()["message"] == "Snapshots must be enabled in the config"


def test_every_event_route_is_403_for_a_camera_the_role_cannot_see(
    events_client: TestClient, event_media: EventMedia
) -> None:
    ended = event_media.event("back")
    ongoing = event_media.event("back", start=1_700_000_100.0, end=None)
    for event_id in (ended, ongoing):
        event_media.snapshot("back", event_id, "jpg")
        event_media.snapshot("back", event_id, "webp")
        event_media.thumbnail("back", event_id)
        for route in ("snapshot.jpg", "snapshot-clean.webp", "thumbnail.jpg", "thumbnail.webp"):
            response = events_client.get(f"/api/events/{event_id}/{route}", headers=FRONT_ONLY)
            assert response.status_code == 403, (event_id, route)
            assert response.json()["success"] is False
    allowed = event_media.event("front")
    event_media.snapshot("front", allowed, "jpg")
    ok = events_client.get(f"/api/events/{allowed}/snapshot.jpg", headers=FRONT_ONLY)
    assert ok.status_code == 200
