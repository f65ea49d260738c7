"""`frigate-media index`: exactly the missing rows, bad files counted, foreign things left alone."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from frigate_media.storage.db import open_database
from frigate_media.workers.recording.indexer import index_recordings
from frigate_media.workers.recording.layout import recording_path
from tests.conftest import REPO_ROOT, base_config_dict
from tests.support.db import add_recording, insert
from tests.workers.recording.conftest import recording_rows

START = 1_720_000_000.0


def link(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.hardlink_to(source)
    return target


@pytest.fixture
def folder(tmp_path: Path, clip_factory: Callable[..., Path], frigate_db: Path) -> Path:
    """A recordings folder: 3 missing segments, 1 known, 1 truncated, 1 empty and foreign things."""
    root = tmp_path / "media" / "recordings"
    clip = clip_factory(seconds=4)
    for i in range(2):
        link(clip, recording_path(root, "front", START + 10 * i))
    link(clip, recording_path(root, "back", START))
    add_recording(frigate_db, root.resolve(), "front", START + 20, clip, 4.0, motion=9)
    truncated = recording_path(root, "front", START + 30)
    truncated.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])
    recording_path(root, "front", START + 40).write_bytes(b"")
    camera_dir = recording_path(root, "front", START).parent
    (camera_dir / "notes.txt").write_text("hello")
    (camera_dir / "5.7.mp4").write_bytes(clip.read_bytes())
    (camera_dir / ".46.40.mp4.1234.tmp").write_bytes(b"partial")
    (root / "not-a-date").mkdir()
    (root / "2024-07-03" / "xx").mkdir()
    outside = tmp_path / "outside"
    (outside / "front").mkdir(parents=True)
    link(clip, outside / "front" / "00.00.mp4")
    os.symlink(outside, root / "2024-07-03" / "10")  # a symlinked hour folder pointing out
    os.symlink(outside / "front" / "00.00.mp4", camera_dir / "59.59.mp4")  # a symlinked file
    return root


def test_index_command_inserts_exactly_the_missing_rows_and_reports_counts(
    folder: Path, frigate_db: Path, tmp_path: Path
) -> None:
    config_path = tmp_path / "config.yml"
    config_path.write_text(yaml.safe_dump(base_config_dict(tmp_path)))
    known_before = recording_rows(frigate_db)

    result = subprocess.run(
        [sys.executable, "-m", "frigate_media", "index", "--config", str(config_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
    )

    assert result.returncode == 0, result.stderr
    assert "3 inserted, 1 already present, 2 skipped (unreadable or truncated), 7 ignored" in (
        result.stdout
    )
    assert "skipping" in result.stderr and "46.40.mp4" not in result.stdout
    assert "probing [" not in result.stderr  # no progress bar when stderr is not a terminal
    rows = recording_rows(frigate_db)
    assert len(rows) == 4
    assert [r for r in rows if r["id"] == known_before[0]["id"]] == known_before  # untouched
    root = folder.resolve()
    new = [r for r in rows if r["id"] != known_before[0]["id"]]
    assert sorted((r["camera"], r["start_time"]) for r in new) == [
        ("back", START),
        ("front", START),
        ("front", START + 10),
    ]
    for row in new:
        assert row["path"] == str(recording_path(root, row["camera"], row["start_time"]))
        assert row["duration"] == pytest.approx(4, abs=0.25)
        assert row["end_time"] == pytest.approx(row["start_time"] + row["duration"])
        assert row["segment_size"] > 0
        assert row["id"].startswith(f"{float(row['start_time'])}-")
    assert not any("outside" in r["path"] for r in rows)


def test_index_twice_inserts_nothing_the_second_time_and_camera_limits_the_scan(
    folder: Path, frigate_db: Path
) -> None:
    open_database(frigate_db)
    first = index_recordings(folder.resolve(), camera="back")
    assert (first.inserted, first.present, first.skipped_bad) == (1, 0, 0)
    assert {r["camera"] for r in recording_rows(frigate_db)} == {"front", "back"}

    everything = index_recordings(folder.resolve())
    again = index_recordings(folder.resolve())
    assert everything.inserted == 2
    assert (again.inserted, again.present, again.skipped_bad) == (0, 4, 2)
    assert len(recording_rows(frigate_db)) == 4


def test_rows_recorded_under_another_media_root_count_as_present(
    folder: Path, frigate_db: Path
) -> None:
    open_database(frigate_db)
    moved = Path("/media/frigate/recordings")
    insert(
        frigate_db,
        "recordings",
        {
            "id": f"{START}-abcdef",
            "camera": "back",
            "path": str(recording_path(moved, "back", START)),
            "start_time": START,
            "end_time": START + 4,
            "duration": 4.0,
            "segment_size": 0.1,
        },
    )
    report = index_recordings(folder.resolve(), camera="back")
    assert (report.inserted, report.present) == (0, 1)


def test_progress_is_reported_for_every_probed_file(folder: Path, frigate_db: Path) -> None:
    open_database(frigate_db)
    seen: list[tuple[int, int]] = []
    index_recordings(folder.resolve(), progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, 5) for i in range(1, 6)]
