"""Filing cache segments: leftovers finished or discarded, remux when needed, disk full, motion."""

from __future__ import annotations

import asyncio
import errno
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from frigate_media.app import build_context
from frigate_media.config import FrigateConfig
from frigate_media.context import AppContext
from frigate_media.ffmpeg.probe import probe
from frigate_media.workers.recording import segments
from frigate_media.workers.recording.layout import recording_path
from frigate_media.workers.recording.mp4 import read_boxes
from frigate_media.workers.recording.recorder import CameraRecorder, record_cache_dir
from tests.support.db import add_recording
from tests.support.media import run_ffmpeg
from tests.workers.recording.conftest import recording_rows

START = 1_720_000_000.0  # 2024-07-03 09:46:40 UTC


def cache_name(camera: str, start: float) -> str:
    return f"{camera}@{datetime.fromtimestamp(start, UTC).strftime('%Y%m%d%H%M%S%z')}.mp4"


@pytest.fixture
def context(
    config_factory: Callable[..., FrigateConfig], frigate_db: Path, lavfi_camera: dict[str, Any]
) -> Iterator[AppContext]:
    context = build_context(config_factory(lavfi_camera))
    yield context
    asyncio.run(context.stop())


def recorder_for(context: AppContext, **kwargs: Any) -> CameraRecorder:
    return CameraRecorder(context, context.config.cameras["front"], **kwargs)


def put_in_cache(context: AppContext, source: Path, start: float) -> Path:
    cache = record_cache_dir(context, "front")
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / cache_name("front", start)
    shutil.copyfile(source, target)
    return target


def test_leftovers_that_probe_are_filed_and_broken_ones_discarded(
    context: AppContext, clip_factory: Callable[..., Path], frigate_db: Path
) -> None:
    clip = clip_factory(seconds=4)
    good = put_in_cache(context, clip, START)
    truncated = put_in_cache(context, clip, START + 10)
    with truncated.open("r+b") as handle:
        handle.truncate(truncated.stat().st_size // 2)
    garbage = put_in_cache(context, clip, START + 20)
    garbage.write_bytes(b"not a video at all")

    asyncio.run(recorder_for(context).maintain(include_newest=True))

    rows = recording_rows(frigate_db)
    assert len(rows) == 1
    target = recording_path(context.paths.recordings, "front", START)
    assert rows[0]["path"] == str(target)
    assert rows[0]["start_time"] == START
    assert rows[0]["duration"] == pytest.approx(4, abs=0.25)
    assert rows[0]["end_time"] == pytest.approx(START + rows[0]["duration"])
    assert probe(str(target)).duration == pytest.approx(4, abs=0.25)
    assert not good.exists() and not truncated.exists() and not garbage.exists()
    assert not any(p.name.endswith(".tmp") for p in target.parent.iterdir())


def test_a_segment_without_faststart_is_remuxed_with_the_index_first(
    context: AppContext, clip_factory: Callable[..., Path], frigate_db: Path, tmp_path: Path
) -> None:
    slow = tmp_path / "slow.mp4"
    run_ffmpeg("-i", str(clip_factory(seconds=3)), "-c", "copy", str(slow))
    assert not read_boxes(slow).faststart
    put_in_cache(context, slow, START)

    asyncio.run(recorder_for(context).maintain(include_newest=True))

    target = recording_path(context.paths.recordings, "front", START)
    assert read_boxes(target).faststart
    assert [r["path"] for r in recording_rows(frigate_db)] == [str(target)]
    assert probe(str(target)).duration == pytest.approx(3, abs=0.25)


def test_the_newest_segment_waits_while_ffmpeg_still_writes_it(
    context: AppContext, clip_factory: Callable[..., Path], frigate_db: Path
) -> None:
    clip = clip_factory(seconds=2)
    put_in_cache(context, clip, START)
    newest = put_in_cache(context, clip, START + 10)

    asyncio.run(recorder_for(context).maintain(include_newest=False))

    assert [r["start_time"] for r in recording_rows(frigate_db)] == [START]
    assert newest.exists()


def test_a_full_disk_pauses_filing_keeps_the_segment_and_resumes_later(
    context: AppContext,
    clip_factory: Callable[..., Path],
    frigate_db: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cached = put_in_cache(context, clip_factory(seconds=2), START)
    recorder = recorder_for(context)

    def no_space(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(segments, "_move_complete_file", no_space)
        asyncio.run(recorder.maintain(include_newest=True))
    assert recorder.disk_full
    assert cached.exists()
    assert recording_rows(frigate_db) == []
    assert not recording_path(context.paths.recordings, "front", START).exists()

    asyncio.run(recorder.maintain(include_newest=True))
    assert not recorder.disk_full
    assert len(recording_rows(frigate_db)) == 1
    assert not cached.exists()


def test_a_segment_whose_path_already_has_a_row_is_discarded_and_the_row_kept(
    context: AppContext, clip_factory: Callable[..., Path], frigate_db: Path
) -> None:
    clip = clip_factory(seconds=2)
    existing = add_recording(frigate_db, context.paths.recordings, "front", START, clip, 2.0)
    before = existing.stat().st_mtime_ns
    cached = put_in_cache(context, clip_factory(seconds=3), START)

    asyncio.run(recorder_for(context).maintain(include_newest=True))

    assert len(recording_rows(frigate_db)) == 1
    assert existing.stat().st_mtime_ns == before
    assert not cached.exists()


def test_motion_comes_from_the_frame_processor_when_there_is_one(
    context: AppContext, clip_factory: Callable[..., Path], frigate_db: Path
) -> None:
    calls: list[tuple[str, float, float]] = []

    class Frames:
        def motion_between(self, camera: str, start: float, end: float) -> int:
            calls.append((camera, start, end))
            return 7

    put_in_cache(context, clip_factory(seconds=2), START)

    asyncio.run(recorder_for(context, motion=Frames()).maintain(include_newest=True))

    (row,) = recording_rows(frigate_db)
    assert row["motion"] == 7
    assert calls == [("front", START, pytest.approx(row["end_time"]))]


def test_more_finished_segments_than_the_cache_holds_drops_the_oldest(
    context: AppContext, clip_factory: Callable[..., Path], frigate_db: Path
) -> None:
    clip = clip_factory(seconds=2)
    cached = [put_in_cache(context, clip, START + 10 * i) for i in range(8)]

    asyncio.run(recorder_for(context).maintain(include_newest=True))

    starts = [r["start_time"] for r in recording_rows(frigate_db)]
    assert starts == [START + 10 * i for i in range(2, 8)]
    assert not any(p.exists() for p in cached)


def test_consecutive_segments_chain_to_sub_second_starts_without_overlap(
    context: AppContext, clip_factory: Callable[..., Path], frigate_db: Path
) -> None:
    clip = clip_factory(seconds=10.4)
    put_in_cache(context, clip, START)
    put_in_cache(context, clip, START + 10)  # named by the floored whole second it opened in
    put_in_cache(context, clip, START + 40)  # after a gap: keeps its own name's time

    asyncio.run(recorder_for(context).maintain(include_newest=True))

    rows = recording_rows(frigate_db)
    assert [r["start_time"] for r in rows] == pytest.approx([START, START + 10.4, START + 40])
    assert rows[1]["path"] == str(recording_path(context.paths.recordings, "front", START + 10.4))


def test_restart_delay_doubles_from_the_retry_interval_and_is_capped(context: AppContext) -> None:
    recorder = recorder_for(context)  # retry_interval 1 s in the lavfi camera
    delays = []
    for failures in range(1, 10):
        recorder.failures = failures
        delays.append(recorder._backoff())
    assert delays[:4] == [1, 2, 4, 8]
    assert max(delays) == 120
