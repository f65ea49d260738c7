"""The recorder end to end: a live source becomes playable segments with rows, in Frigate's layout."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
from fastapi.testclient import TestClient

from frigate_media.workers.recording.layout import recording_path
from tests.workers.recording.conftest import recording_rows

RECORD_SECONDS = 25


def decoded_frames(path: str) -> int:
    with av.open(path) as container:
        return sum(1 for _ in container.decode(video=0))


def test_recording_a_live_source_for_25_seconds_stores_playable_rows_that_add_up(
    client_factory: Callable[..., TestClient],
    frigate_db: Path,
    lavfi_camera: dict[str, Any],
    tmp_path: Path,
) -> None:
    client = client_factory(lavfi_camera, background=True)
    started = time.monotonic()
    deadline = started + RECORD_SECONDS
    while time.monotonic() < deadline:
        assert client.get("/api/version").status_code == 200  # the API keeps serving
        time.sleep(1)
    client.__exit__(None, None, None)  # stop: ffmpeg closes its last segment, which is filed
    wall = time.monotonic() - started

    rows = recording_rows(frigate_db, "front")
    assert len(rows) >= 3
    recordings = (tmp_path / "media" / "recordings").resolve()
    total = 0.0
    for row in rows:
        path = Path(row["path"])
        assert path == recording_path(recordings, "front", row["start_time"])
        assert row["id"].startswith(f"{float(row['start_time'])}-")
        assert abs(row["end_time"] - row["start_time"] - row["duration"]) < 1e-6
        assert row["segment_size"] > 0
        assert (row["motion"], row["objects"], row["dBFS"]) == (0, 0, 0)
        assert decoded_frames(str(path)) >= int(row["duration"] * 5) - 2
        total += row["duration"]
    assert all(row["duration"] <= 12 for row in rows[:-1])
    for previous, following in itertools.pairwise(rows):
        assert abs(following["start_time"] - previous["end_time"]) <= 1.0
    # Segments are contiguous: their durations cover the span they claim, and the wall time
    # the recorder ran (less ffmpeg's start-up on a busy machine).
    span = rows[-1]["end_time"] - rows[0]["start_time"]
    assert abs(total - span) <= 1.5
    assert wall - 4 <= total <= wall + 1
    cache = tmp_path / "cache" / "frigate-media" / "record" / "front"
    assert list(cache.glob("*.mp4")) == []
    assert not list((tmp_path / "cache").glob("*.mp4"))
