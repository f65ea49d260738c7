"""The VOD mapping JSON routes nginx-vod reads, through the app under /api."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from frigate_media.clock import FixedClock
from frigate_media.storage.models import Event
from tests.support.db import insert_event
from tests.support.recordings import FRONT_ONLY, NOW, PROXY, T0, record_segments


@pytest.fixture
def recorded(tmp_path: Path, frigate_db: Path, clip_factory: Callable[..., Path]) -> Path:
    record_segments(tmp_path, clip_factory, "front", T0, 6, gop_seconds=2)
    return tmp_path


@pytest.fixture
def client(client_factory: Callable[..., TestClient], recorded: Path) -> TestClient:
    return client_factory(PROXY, clock=FixedClock(NOW))


def assert_mapping_invariants(body: dict) -> None:  # type: ignore[type-arg]
    clips = body["sequences"][0]["clips"]
    assert len(body["durations"]) == len(clips) >= 1
    assert all(isinstance(d, int) and d > 0 for d in body["durations"])
    assert body["segment_duration"] == max(body["durations"])
    for index, clip in enumerate(clips):
        assert clip["type"] == "source"
        assert os.path.isfile(clip["path"])
        assert clip["keyFrameDurations"] == [body["durations"][index]]
        if index > 0:
            assert "clipFrom" not in clip


def test_range_mapping_has_frigates_keys_and_snaps_clip_from(client: TestClient) -> None:
    response = client.get(f"/api/vod/front/start/{T0 + 13.3}/end/{T0 + 35}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == [
        "cache",
        "discontinuity",
        "consistentSequenceMediaInfo",
        "durations",
        "segment_duration",
        "sequences",
    ]
    assert body["cache"] is True and body["discontinuity"] is False
    assert_mapping_invariants(body)
    first = body["sequences"][0]["clips"][0]
    assert first["clipFrom"] == 2000  # GOP 2 s: 3.3 s into the segment snaps back to 2.0 s
    assert body["durations"] == [8000, 10000, 5000]


def test_force_discontinuity_and_the_clip_route_set_discontinuity(client: TestClient) -> None:
    forced = client.get(f"/api/vod/front/start/{T0}/end/{T0 + 20}?force_discontinuity=true")
    assert forced.json()["discontinuity"] is True
    clip = client.get(f"/api/vod/clip/front/start/{T0}/end/{T0 + 20}")
    assert clip.status_code == 200
    assert clip.json()["discontinuity"] is True
    assert_mapping_invariants(clip.json())


def test_a_range_that_just_ended_tells_nginx_vod_not_to_cache(
    client_factory: Callable[..., TestClient], recorded: Path
) -> None:
    client = client_factory(PROXY, clock=FixedClock(T0 + 25))
    assert client.get(f"/api/vod/front/start/{T0}/end/{T0 + 20}").json()["cache"] is False


def test_a_range_that_started_over_an_hour_ago_and_ends_later_is_not_cached(
    client_factory: Callable[..., TestClient], recorded: Path
) -> None:
    """The cache flag follows the end: nginx-vod kept 149 of 151 segments under Frigate's rule."""
    client = client_factory(PROXY, clock=FixedClock(T0 + 3700))
    body = client.get(f"/api/vod/front/start/{T0}/end/{T0 + 7200}").json()
    assert len(body["durations"]) == 6
    assert body["cache"] is False
    past = client.get(f"/api/vod/front/start/{T0}/end/{T0 + 60}").json()
    assert past["cache"] is True


def test_exponent_timestamps_are_accepted(client: TestClient) -> None:
    response = client.get("/api/vod/front/start/1.719000001e+09/end/1.71900002e+09")
    assert response.status_code == 200
    assert_mapping_invariants(response.json())


@pytest.mark.parametrize(
    ("start", "end"),
    [("nan", "1719000010"), ("1719000000", "inf"), ("1719000020", "1719000010")],
)
def test_bad_ranges_are_400_json(client: TestClient, start: str, end: str) -> None:
    response = client.get(f"/api/vod/front/start/{start}/end/{end}")
    assert response.status_code == 400
    assert response.json()["success"] is False


def test_a_range_without_recordings_is_404_like_frigate(client: TestClient) -> None:
    response = client.get(f"/api/vod/front/start/{T0 + 1000}/end/{T0 + 1100}")
    assert response.status_code == 404
    assert response.json() == {"success": False, "message": "No recordings found."}


def test_unknown_camera_is_404(client: TestClient) -> None:
    response = client.get(f"/api/vod/garage/start/{T0}/end/{T0 + 10}")
    assert response.status_code == 404


def test_hour_routes_take_utc_and_a_zone(client: TestClient) -> None:
    start = datetime.fromtimestamp(T0, tz=ZoneInfo("UTC"))
    ym, day, hour = start.strftime("%Y-%m"), start.day, start.hour
    body = client.get(f"/api/vod/{ym}/{day:02d}/{hour:02d}/front/utc").json()
    assert_mapping_invariants(body)
    assert sum(body["durations"]) == 60_000
    local = datetime.fromtimestamp(T0, tz=ZoneInfo("America/New_York"))
    zoned = client.get(f"/api/vod/{local:%Y-%m}/{local.day}/{local.hour}/front/America,New_York")
    assert zoned.json() == body


@pytest.mark.parametrize(
    "path",
    [
        "/api/vod/2024-6/21/20/front/utc",
        "/api/vod/2024-13/21/20/front/utc",
        "/api/vod/2024-06/xx/20/front/utc",
        "/api/vod/2024-06/21/25/front/utc",
        "/api/vod/2024-06/31/20/front/utc",
        "/api/vod/2024-06/21/20/front/Mars,Olympus",
        "/api/vod/2024-06/21/1e1/front",
    ],
)
def test_malformed_hour_parts_are_400_json(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400, path
    assert response.json()["success"] is False


@pytest.mark.parametrize(
    ("local_day", "local_hour", "utc_hour"),
    [
        ("2024-03-10", 1, 6),  # before spring forward: EST, UTC-5
        ("2024-03-10", 3, 7),  # after spring forward: EDT, UTC-4
        ("2024-11-03", 0, 4),  # before fall back: EDT
        ("2024-11-03", 3, 8),  # after fall back: EST
    ],
)
def test_new_york_hours_use_the_offset_of_that_hour_across_dst(
    tmp_path: Path,
    frigate_db: Path,
    clip_factory: Callable[..., Path],
    client_factory: Callable[..., TestClient],
    local_day: str,
    local_hour: int,
    utc_hour: int,
) -> None:
    year, month, day = (int(part) for part in local_day.split("-"))
    utc_start = datetime(year, month, day, tzinfo=ZoneInfo("UTC")).timestamp() + utc_hour * 3600
    # One segment at the true UTC start of that local hour, one an hour earlier and later.
    for offset in (-3600, 0, 3600):
        record_segments(tmp_path, clip_factory, "front", utc_start + offset, 1)
    client = client_factory(PROXY, clock=FixedClock(utc_start + 86_400))
    body = client.get(f"/api/vod/{year}-{month:02d}/{day}/{local_hour}/front/America,New_York")
    assert body.status_code == 200
    clips = body.json()["sequences"][0]["clips"]
    assert len(clips) == 1
    assert f"/{utc_hour:02d}/front/00.00.mp4" in clips[0]["path"]


def test_the_skipped_spring_forward_hour_has_no_recordings(client: TestClient) -> None:
    assert client.get("/api/vod/2024-03/10/2/front/America,New_York").status_code == 404


def test_the_local_hour_route_uses_the_server_zone(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "frigate_media.services.recordings.vod_forms.local_zone_name", lambda: "UTC"
    )
    start = datetime.fromtimestamp(T0, tz=ZoneInfo("UTC"))
    body = client.get(f"/api/vod/{start:%Y-%m}/{start.day}/{start.hour}/front")
    assert body.status_code == 200
    assert sum(body.json()["durations"]) == 60_000


def test_event_mapping_pads_both_sides(client: TestClient, frigate_db: Path) -> None:
    event_id = insert_event(frigate_db, "front", T0 + 20, T0 + 30)
    body = client.get(f"/api/vod/event/{event_id}?padding=5").json()
    assert_mapping_invariants(body)
    # [15, 35]: 15 s is 5 s into a segment with keyframes every 2 s, so it starts at 14 s.
    assert sum(body["durations"]) == 21_000


def test_unknown_event_is_404_with_frigates_message(client: TestClient) -> None:
    response = client.get("/api/vod/event/1719000000.0-nothere")
    assert response.status_code == 404
    assert response.json() == {"success": False, "message": "Event not found."}


def test_an_old_event_without_recordings_loses_has_clip(
    client: TestClient, frigate_db: Path
) -> None:
    event_id = insert_event(frigate_db, "front", T0 + 5000, T0 + 5010)
    assert client.get(f"/api/vod/event/{event_id}").status_code == 404
    assert Event.get_by_id(event_id).has_clip is False


def test_a_recent_event_without_recordings_keeps_has_clip(
    client_factory: Callable[..., TestClient], recorded: Path, frigate_db: Path
) -> None:
    client = client_factory(PROXY, clock=FixedClock(T0 + 5060))
    event_id = insert_event(frigate_db, "front", T0 + 5000, T0 + 5010)
    assert client.get(f"/api/vod/event/{event_id}").status_code == 404
    assert Event.get_by_id(event_id).has_clip is True


def test_a_restricted_role_gets_403_on_every_vod_route(
    client: TestClient, frigate_db: Path
) -> None:
    event_id = insert_event(frigate_db, "back", T0, T0 + 10)
    paths = [
        f"/api/vod/back/start/{T0}/end/{T0 + 10}",
        f"/api/vod/clip/back/start/{T0}/end/{T0 + 10}",
        "/api/vod/2024-06/21/20/back/utc",
        "/api/vod/2024-06/21/20/back",
        f"/api/vod/event/{event_id}",
    ]
    for path in paths:
        response = client.get(path, headers=FRONT_ONLY)
        assert response.status_code == 403, path
        assert response.json()["success"] is False
    allowed = client.get(f"/api/vod/front/start/{T0}/end/{T0 + 10}", headers=FRONT_ONLY)
    assert allowed.status_code == 200
