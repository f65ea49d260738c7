"""Retention: old segments go, file and row together; retained events keep theirs; folders tidy."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from frigate_media.app import build_context
from frigate_media.clock import FixedClock
from frigate_media.config import FrigateConfig
from frigate_media.context import AppContext
from frigate_media.workers.recording import retention
from frigate_media.workers.recording.service import RecorderService
from tests.support.db import add_recording, insert_event
from tests.workers.recording.conftest import recording_rows

DAY = 86400.0
NOW = 1_720_000_000.0


@pytest.fixture
def context(
    config_factory: Callable[..., FrigateConfig], frigate_db: Path, lavfi_camera: dict[str, Any]
) -> Iterator[AppContext]:
    context = build_context(config_factory(lavfi_camera), clock=FixedClock(NOW))
    yield context
    asyncio.run(context.stop())


def run_retention(context: AppContext) -> retention.RetentionResult:
    async def once() -> retention.RetentionResult:
        return await RecorderService(context).run_retention()

    return asyncio.run(once())


def test_old_segments_lose_file_and_row_while_recent_and_retained_ones_stay(
    context: AppContext, clip_factory: Callable[..., Path], frigate_db: Path
) -> None:
    clip = clip_factory(seconds=2)
    root = context.paths.recordings
    old = [
        add_recording(frigate_db, root, "front", NOW - 3 * DAY + 10 * i, clip, 10) for i in range(3)
    ]
    kept_for_event = add_recording(frigate_db, root, "front", NOW - 2 * DAY, clip, 10)
    recent = add_recording(frigate_db, root, "front", NOW - 3600, clip, 10)
    other_camera = add_recording(frigate_db, root, "back", NOW - 4 * DAY, clip, 10)
    insert_event(frigate_db, "front", NOW - 2 * DAY + 5, NOW - 2 * DAY + 30, retain_indefinitely=1)
    insert_event(frigate_db, "front", NOW - 3 * DAY + 12, NOW - 3 * DAY + 14)  # not retained

    result = run_retention(context)

    assert result.deleted == 3
    remaining = {row["path"] for row in recording_rows(frigate_db)}
    assert remaining == {str(kept_for_event), str(recent), str(other_camera)}
    assert not any(path.exists() for path in old)
    assert kept_for_event.exists() and recent.exists() and other_camera.exists()
    assert not old[0].parent.exists()  # the emptied camera, hour and date folders are gone
    assert not old[0].parent.parent.parent.exists()
    assert root.exists()


def test_an_in_progress_retained_event_keeps_everything_after_its_start(
    context: AppContext, clip_factory: Callable[..., Path], frigate_db: Path
) -> None:
    clip = clip_factory(seconds=2)
    root = context.paths.recordings
    before = add_recording(frigate_db, root, "front", NOW - 5 * DAY, clip, 10)
    after = add_recording(frigate_db, root, "front", NOW - 4 * DAY, clip, 10)
    insert_event(frigate_db, "front", NOW - 4 * DAY - 100, None, retain_indefinitely=1)

    run_retention(context)

    assert [row["path"] for row in recording_rows(frigate_db)] == [str(after)]
    assert not before.exists() and after.exists()


def test_a_file_that_cannot_be_deleted_keeps_its_row(
    context: AppContext,
    clip_factory: Callable[..., Path],
    frigate_db: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clip = clip_factory(seconds=2)
    root = context.paths.recordings
    stuck = add_recording(frigate_db, root, "front", NOW - 3 * DAY, clip, 10)
    gone = add_recording(frigate_db, root, "front", NOW - 3 * DAY + 10, clip, 10)
    real_unlink = Path.unlink

    def unlink(self: Path, missing_ok: bool = False) -> None:
        if self == stuck:
            raise PermissionError(13, "Permission denied")
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", unlink)
    result = run_retention(context)

    assert (result.deleted, result.failed) == (1, 1)
    assert [row["path"] for row in recording_rows(frigate_db)] == [str(stuck)]
    assert stuck.exists() and not gone.exists()


def test_a_row_whose_file_is_already_gone_is_removed_and_paths_outside_are_left_alone(
    context: AppContext, clip_factory: Callable[..., Path], frigate_db: Path, tmp_path: Path
) -> None:
    clip = clip_factory(seconds=2)
    root = context.paths.recordings
    missing = add_recording(frigate_db, root, "front", NOW - 3 * DAY, clip, 10)
    missing.unlink()
    outside = tmp_path / "elsewhere" / "precious.mp4"
    outside.parent.mkdir()
    outside.write_bytes(b"keep me")
    add_recording(frigate_db, root, "front", NOW - 3 * DAY + 10, clip, 10, path=str(outside))

    result = run_retention(context)

    assert (result.deleted, result.failed) == (1, 1)
    assert [row["path"] for row in recording_rows(frigate_db)] == [str(outside)]
    assert outside.read_bytes() == b"keep me"


def test_zero_retention_days_deletes_nothing(
    config_factory: Callable[..., FrigateConfig],
    frigate_db: Path,
    lavfi_camera: dict[str, Any],
    clip_factory: Callable[..., Path],
) -> None:
    camera = {**lavfi_camera["cameras"]["front"], "record": {"enabled": True}}
    context = build_context(config_factory({"cameras": {"front": camera}}), clock=FixedClock(NOW))
    try:
        old = add_recording(
            frigate_db,
            context.paths.recordings,
            "front",
            NOW - 30 * DAY,
            clip_factory(seconds=2),
            10,
        )
        assert run_retention(context).deleted == 0
        assert old.exists() and len(recording_rows(frigate_db)) == 1
    finally:
        asyncio.run(context.stop())
