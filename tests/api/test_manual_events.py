"""POST /events/{cam}/{label}/create and PUT /events/{id}/end: rows, files, live snapshots."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from frigate_media.frames.processor import FrameProcessor
from tests.api.conftest import FRONT_ONLY, PROXY_ROLES, EventMedia
from tests.support.app import context_of

LIVE_W, LIVE_H = 320, 240


def decode(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def row(db: Path, event_id: str) -> dict[str, Any]:
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    found = connection.execute("SELECT * FROM event WHERE id = ?", (event_id,)).fetchone()
    connection.close()
    assert found is not None
    return dict(found)


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"condition not met within {timeout} s")


@pytest.fixture
def live_client(client_factory: Callable[..., TestClient], frigate_db: Path) -> TestClient:
    """Camera `front` ingests a lavfi test pattern (background services on)."""
    camera = {
        "ffmpeg": {
            "inputs": [
                {
                    "path": f"testsrc2=size={LIVE_W}x{LIVE_H}:rate=5",
                    "input_args": "-re -f lavfi",
                    "roles": ["detect"],
                }
            ],
            "retry_interval": 2,
        },
        "detect": {"width": LIVE_W, "height": LIVE_H, "fps": 5},
        "snapshots": {"enabled": True, "bounding_box": True},
    }
    client = client_factory({**PROXY_ROLES, "cameras": {"front": camera}}, background=True)
    frames = context_of(client).worker(FrameProcessor)
    wait_until(lambda: frames.current_frame("front") is not None)
    return client


def test_create_snapshot_while_live_then_end(
    live_client: TestClient, event_media: EventMedia, frigate_db: Path
) -> None:
    body = {
        "sub_label": "Alice",
        "score": 90,
        "duration": None,
        "include_recording": True,
        "draw": {"boxes": [{"box": [0.25, 0.25, 0.5, 0.5], "score": 90}]},
    }

    created = live_client.post("/api/events/front/doorbell/create", json=body)

    assert created.status_code == 200, created.text
    answer = created.json()
    assert answer["success"] is True and answer["message"] == "Successfully created event."
    event_id = answer["event_id"]
    stamp, suffix = event_id.split("-")
    assert float(stamp) > 0 and len(suffix) == 6 and suffix.isalnum()
    started = row(frigate_db, event_id)
    assert started["end_time"] is None
    assert started["label"] == "doorbell" and started["sub_label"] == "Alice"
    assert started["has_snapshot"] == 1

    live = live_client.get(f"/api/events/{event_id}/snapshot.jpg?bbox=0")
    assert live.status_code == 200, live.text
    assert live.headers["cache-control"] == "no-store"
    frame = decode(live.content)
    assert frame.shape[:2] == (LIVE_H, LIVE_W)
    assert frame.mean() > 20  # the test pattern, not a black placeholder
    thumb = live_client.get(f"/api/events/{event_id}/thumbnail.jpg")
    assert thumb.status_code == 200 and thumb.headers["cache-control"] == "no-store"

    ended = live_client.put(f"/api/events/{event_id}/end", json={})

    assert ended.json() == {"success": True, "message": "Event successfully ended."}
    done = row(frigate_db, event_id)
    assert done["end_time"] is not None and done["end_time"] >= done["start_time"]
    assert done["has_snapshot"] == 1
    assert done["has_clip"] == 0  # nothing was recorded
    clips = event_media.clips
    assert decode((clips / f"front-{event_id}.jpg").read_bytes()).shape[:2] == (LIVE_H, LIVE_W)
    assert decode((clips / f"front-{event_id}-clean.webp").read_bytes()).shape[:2] == (
        LIVE_H,
        LIVE_W,
    )
    assert decode((clips / "thumbs" / "front" / f"{event_id}.webp").read_bytes()).shape[0] == 175
    assert not list(clips.rglob("*.tmp"))
    snapshot = live_client.get(f"/api/events/{event_id}/snapshot.jpg")
    assert snapshot.status_code == 200
    assert snapshot.headers["cache-control"] == "private, max-age=31536000"
    assert snapshot.content == (clips / f"front-{event_id}.jpg").read_bytes()


def test_event_with_a_duration_ends_by_itself(
    events_client: TestClient, frigate_db: Path, event_media: EventMedia
) -> None:
    created = events_client.post("/api/events/front/person/create", json={"duration": 1})
    event_id = created.json()["event_id"]
    assert row(frigate_db, event_id)["end_time"] is None

    wait_until(lambda: row(frigate_db, event_id)["end_time"] is not None)

    assert (event_media.clips / f"front-{event_id}.jpg").exists()
    response = events_client.get(f"/api/events/{event_id}/snapshot.jpg")
    assert response.status_code == 200


def test_create_with_an_empty_body_uses_frigates_defaults(
    events_client: TestClient, frigate_db: Path
) -> None:
    created = events_client.post("/api/events/front/person/create")

    assert created.status_code == 200
    event = row(frigate_db, created.json()["event_id"])
    # pre-capture defaults to record.event_pre_capture (5 s)
    assert float(created.json()["event_id"].split("-")[0]) - event["start_time"] == pytest.approx(5)
    events_client.put(f"/api/events/{created.json()['event_id']}/end")


def test_create_and_end_reject_bad_input(
    events_client: TestClient, event_media: EventMedia
) -> None:
    assert events_client.post("/api/events/nowhere/person/create").status_code == 404
    assert events_client.post("/api/events/front/a..b/create").status_code == 400
    assert (
        events_client.post("/api/events/front/person/create", json={"duration": -3}).status_code
        == 400
    )
    assert (
        events_client.post("/api/events/front/person/create", json={"score": "x"}).status_code
        == 422
    )
    assert events_client.put("/api/events/1.0-nope00/end").status_code == 404
    assert events_client.put("/api/events/a..b/end").status_code == 400
    event_id = event_media.event("front", end=None)
    early = events_client.put(f"/api/events/{event_id}/end", json={"end_time": 1.0})
    assert early.status_code == 400
    assert "cannot be before start_time" in early.json()["message"]


def test_create_and_end_respect_camera_access(
    events_client: TestClient, event_media: EventMedia
) -> None:
    assert (
        events_client.post("/api/events/back/person/create", headers=FRONT_ONLY).status_code == 403
    )
    event_id = event_media.event("back", end=None)
    assert events_client.put(f"/api/events/{event_id}/end", headers=FRONT_ONLY).status_code == 403
