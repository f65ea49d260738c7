"""The hourly preview writer: frames → clips/previews MP4 + previews row, at rollover and stop."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from frigate_media.app import build_context
from frigate_media.clock import FixedClock
from frigate_media.config import FrigateConfig
from frigate_media.context import AppContext
from frigate_media.services.previews import encodes
from frigate_media.services.previews.frames import frame_name
from frigate_media.workers import preview_writer
from frigate_media.workers.preview_writer import PreviewWriter
from tests.support.app import context_of
from tests.support.previews import T0, decoded_frames, gif_info, mp4_info, write_frames


def preview_rows(db: Path) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(db)
    try:
        return connection.execute(
            "SELECT id, camera, path, start_time, end_time, duration FROM previews "
            "ORDER BY camera, start_time"
        ).fetchall()
    finally:
        connection.close()


@pytest.fixture
def context(config_factory: Callable[..., FrigateConfig], frigate_db: Path) -> AppContext:
    return build_context(config_factory(), clock=FixedClock(T0 + 3600 + 5))


def test_a_flush_at_the_hour_writes_a_playable_preview_and_its_row(
    context: AppContext, frigate_db: Path
) -> None:
    frames_dir = context.paths.preview_frames
    write_frames(frames_dir, "front", [T0 + 1 + 2 * i for i in range(20)], size=(640, 360))
    write_frames(frames_dir, "front", [T0 + 3600 + 1])  # the next hour: left alone
    write_frames(frames_dir, "back", [T0 + 100, T0 + 200])

    async def main() -> list[Path]:
        try:
            return await PreviewWriter(context).flush(T0 + 3600)
        finally:
            await context.stop()

    written = asyncio.run(main())
    assert len(written) == 2
    rows = preview_rows(frigate_db)
    assert [(r[0], r[1], r[3], r[4]) for r in rows] == [
        (f"back_{T0 + 3600}", "back", T0 + 100, T0 + 3600),
        (f"front_{T0 + 3600}", "front", T0 + 1, T0 + 3600),
    ]
    front = Path(rows[1][2])
    assert front == context.paths.previews / "front" / f"{T0 + 1}-{T0 + 3600}.mp4"
    codec, duration, width, height = mp4_info(front)
    assert codec == "h264"
    assert (width, height) == (320, 180)
    assert duration == pytest.approx(3599, abs=5)
    assert rows[1][5] == pytest.approx(3599)
    assert decoded_frames(front) >= 20
    # Used frames are gone; the newest is carried to the boundary; the next hour's stays.
    remaining = sorted(p.name for p in frames_dir.iterdir())
    assert remaining == sorted(
        [
            frame_name("back", T0 + 3600),
            frame_name("front", T0 + 3600),
            frame_name("front", T0 + 3601),
        ]
    )
    assert not list(front.parent.glob(".*part*"))


def test_leftover_frames_of_several_hours_make_one_preview_per_hour(
    context: AppContext, frigate_db: Path
) -> None:
    write_frames(context.paths.preview_frames, "front", [T0 - 3600 + 10, T0 - 3600 + 20, T0 + 30])

    async def main() -> None:
        try:
            await PreviewWriter(context).flush(T0 + 3600)
        finally:
            await context.stop()

    asyncio.run(main())
    rows = preview_rows(frigate_db)
    assert [(r[3], r[4]) for r in rows] == [(T0 - 3590, T0), (T0 + 30, T0 + 3600)]


def test_the_written_preview_feeds_the_gif_of_that_hour(
    context: AppContext, frigate_db: Path
) -> None:
    write_frames(context.paths.preview_frames, "front", [T0 + i for i in range(0, 60, 2)])

    async def main() -> encodes.GifPreview:
        try:
            await PreviewWriter(context).flush(T0 + 3600)
            assert isinstance(context.clock, FixedClock)
            context.clock.value = T0 + 3 * 3600
            return await encodes.gif(context, "front", T0 + 10, T0 + 40)
        finally:
            await context.stop()

    made = asyncio.run(main())
    frames, loop, size = gif_info(made.content)
    assert frames > 1 and loop == 0
    assert size[1] == 180


def wait_for_rows(db: Path, count: int, deadline_seconds: float = 30.0) -> list[tuple[Any, ...]]:
    deadline = time.monotonic() + deadline_seconds
    rows = preview_rows(db)
    while len(rows) < count and time.monotonic() < deadline:
        time.sleep(0.05)
        rows = preview_rows(db)
    return rows


def test_the_running_writer_rolls_over_at_the_hour_and_flushes_at_stop(
    client_factory: Callable[..., TestClient],
    frigate_db: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(preview_writer, "POLL_SECONDS", 0.05)
    clock = FixedClock(T0 + 10)
    client = client_factory(clock=clock, background=True)
    context = context_of(client)
    write_frames(context.paths.preview_frames, "front", [T0 + 11, T0 + 20, T0 + 3000])
    clock.advance(3600)

    rows = wait_for_rows(frigate_db, 1)
    assert [(r[0], r[3], r[4]) for r in rows] == [(f"front_{T0 + 3600}", T0 + 11, T0 + 3600)]
    assert decoded_frames(Path(rows[0][2])) >= 3

    write_frames(context.paths.preview_frames, "front", [T0 + 3700])
    client.__exit__(None, None, None)  # shutdown: the partial hour is written too
    rows = preview_rows(frigate_db)
    assert [(r[3], r[4]) for r in rows][-1] == (T0 + 3600, T0 + 3610)
    assert Path(rows[-1][2]).exists()
