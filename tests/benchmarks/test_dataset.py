"""The benchmark dataset generator makes a valid Frigate DB and media in Frigate's layout."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import av
import pytest

from benchmarks.dataset import Dataset, DatasetSpec, build_dataset
from frigate_media.ffmpeg.probe import probe
from frigate_media.storage.db import open_database
from frigate_media.storage.models import Event, Previews, Recordings
from frigate_media.workers.recording.layout import recording_path

TINY = DatasetSpec(
    cameras=("one",),
    days=1 / 24,
    real_seconds=3600,
    pool_size=1,
    width=320,
    height=240,
    events_per_camera=3,
    preview_seconds=30,
)
NOW = 1_750_000_123.0


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return build_dataset(tmp_path_factory.mktemp("bench-data"), TINY, now=NOW)


def test_one_camera_one_hour_gives_360_contiguous_ten_second_rows(tiny: Dataset) -> None:
    connection = sqlite3.connect(tiny.db_path)
    rows = connection.execute(
        "SELECT start_time, end_time, duration FROM recordings WHERE camera = 'one'"
        " ORDER BY start_time"
    ).fetchall()
    connection.close()
    assert tiny.recordings_rows == len(rows) == 360
    assert all(end - start == duration == 10.0 for start, end, duration in rows)
    assert all(rows[i][1] == rows[i + 1][0] for i in range(len(rows) - 1))
    assert rows[0][0] >= tiny.start_time and rows[-1][1] <= tiny.end_time + 1
    assert tiny.end_time == 1_749_999_600.0  # the UTC hour boundary before `now`


def test_the_db_opens_as_a_frigate_db_with_events_and_a_preview(tiny: Dataset) -> None:
    db = open_database(tiny.db_path)
    try:
        assert Recordings.select().count() == 360
        assert Event.select().count() == 3
        preview = Previews.get()
        assert preview.camera == "one"
        assert preview.id == f"one_{tiny.preview_end}"
        journal = db.execute_sql("PRAGMA journal_mode").fetchone()[0]
        indexes = {row[1] for row in db.execute_sql("PRAGMA index_list('recordings')")}
    finally:
        db.close()
    assert journal == "wal"
    assert "recordings_camera_start_time_end_time" in indexes
    info = probe(Path(str(preview.path)))
    assert info.height == 180
    assert 29 <= info.duration <= 31


def test_real_rows_point_at_playable_files_in_frigates_layout(tiny: Dataset) -> None:
    connection = sqlite3.connect(tiny.db_path)
    paths = [row[0] for row in connection.execute("SELECT path, start_time FROM recordings")]
    first_start = connection.execute("SELECT MIN(start_time) FROM recordings").fetchone()[0]
    connection.close()
    assert all(Path(path).is_file() for path in paths)
    assert paths[0] == str(recording_path(tiny.media / "recordings", "one", first_start))
    info = probe(Path(paths[0]))
    assert (info.width, info.height, info.video_codec) == (320, 240, "h264")
    assert 9.5 <= info.duration <= 10.5
    with av.open(paths[0]) as container:
        frames = sum(1 for packet in container.demux(video=0) if packet.pts is not None)
    assert frames == 10 * TINY.fps  # a whole segment: no frame lost at the start


def test_every_event_has_its_snapshot_clean_copy_and_thumbnail(tiny: Dataset) -> None:
    clips = tiny.media / "clips"
    assert len(tiny.event_ids) == 3
    for event_id in tiny.event_ids:
        assert (clips / f"one-{event_id}.jpg").stat().st_size > 0
        assert (clips / f"one-{event_id}-clean.webp").stat().st_size > 0
        assert (clips / "thumbs" / "one" / f"{event_id}.webp").stat().st_size > 0


def test_a_second_build_reuses_the_cached_dataset(tiny: Dataset) -> None:
    before = tiny.db_path.stat().st_mtime_ns
    again = build_dataset(tiny.root, TINY, now=NOW + 86400)
    assert again.end_time == tiny.end_time
    assert tiny.db_path.stat().st_mtime_ns == before


def test_a_different_spec_rebuilds_the_dataset(tmp_path: Path) -> None:
    small = DatasetSpec(
        cameras=("a", "b"), days=1 / 144, real_seconds=60, pool_size=1, width=160, height=120,
        events_per_camera=1, preview_seconds=10,
    )  # fmt: skip
    first = build_dataset(tmp_path, small, now=NOW)
    assert first.recordings_rows == 2 * 60
    second = build_dataset(tmp_path, DatasetSpec(**{**small.__dict__, "cameras": ("a",)}), now=NOW)
    assert second.recordings_rows == 60
    connection = sqlite3.connect(second.db_path)
    assert connection.execute("SELECT COUNT(*) FROM recordings").fetchone()[0] == 60
    connection.close()
