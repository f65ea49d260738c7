"""The sample indexer: the last hours at start (newest first, start-up not held up), each new
`recordings` row within a poll, only reading Frigate's DB and files."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from frigate_media.app import build_context
from frigate_media.clock import FixedClock
from frigate_media.config import FrigateConfig
from frigate_media.context import AppContext
from frigate_media.mp4.index import SampleIndex
from frigate_media.workers.sample_indexer import SampleIndexer
from tests.support.app import context_of
from tests.support.db import add_recording
from tests.support.recordings import T0, record_segments

POLL = 0.1
WAIT = 20.0


def indexed(context: AppContext) -> set[str]:
    """The paths the sample index holds (read from its file, as a new process would)."""
    assert isinstance(context.samples, SampleIndex)
    connection = sqlite3.connect(context.samples.path)
    try:
        return {str(row[0]) for row in connection.execute("SELECT path FROM tables")}
    finally:
        connection.close()


def fingerprint(root: Path) -> dict[str, str]:
    """Every file under `root` but SQLite's -wal/-shm, by content."""
    return {
        str(path): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.name.endswith(("-wal", "-shm"))
    }


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(int(WAIT / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not within the wait")


@pytest.fixture
def recorded(tmp_path: Path, frigate_db: Path, clip_factory: Callable[..., Path]) -> list[Path]:
    """front: six segments from T0 to T0 + 60; back: one at T0 + 50."""
    paths = record_segments(tmp_path, clip_factory, "front", T0, 6, gop_seconds=1)
    return paths + record_segments(tmp_path, clip_factory, "back", T0 + 50, 1, gop_seconds=1)


def context_for(
    config_factory: Callable[..., FrigateConfig], hours: float, now: float = T0 + 60
) -> AppContext:
    config = config_factory({"limits": {"clip_index_hours": hours}})
    return build_context(config, clock=FixedClock(now))


def test_at_start_the_last_hours_are_indexed_and_start_up_waits_for_none_of_it(
    config_factory: Callable[..., FrigateConfig], recorded: Path, tmp_path: Path
) -> None:
    context = context_for(config_factory, hours=25 / 3600)  # since T0 + 35: front 30..50, back 50
    indexer = SampleIndexer(context, poll_seconds=POLL)
    media_before = fingerprint(tmp_path / "media")
    db_before = fingerprint(tmp_path / "config")

    async def scenario() -> None:
        await asyncio.wait_for(indexer.start(), 1.0)
        assert not indexer.backlog_done.is_set()  # start returned before any indexing
        await asyncio.wait_for(indexer.backlog_done.wait(), WAIT)
        await indexer.stop()
        await context.stop()

    asyncio.run(scenario())
    names = {str(path) for path in recorded}
    front = sorted(str(path) for path in recorded[:6])
    assert indexed(context) == {*front[3:], str(recorded[6])} and indexed(context) <= names
    assert fingerprint(tmp_path / "media") == media_before
    assert fingerprint(tmp_path / "config") == db_before


def test_a_new_recording_is_indexed_within_a_poll(
    config_factory: Callable[..., FrigateConfig],
    recorded: Path,
    tmp_path: Path,
    frigate_db: Path,
    clip_factory: Callable[..., Path],
) -> None:
    context = context_for(config_factory, hours=0)  # nothing at start: only new rows
    indexer = SampleIndexer(context, poll_seconds=POLL)

    async def scenario() -> None:
        await indexer.start()
        await asyncio.sleep(3 * POLL)
        assert indexed(context) == set()
        clip = clip_factory(seconds=10, gop_seconds=1, offset=60)
        new = add_recording(
            frigate_db, tmp_path / "media" / "recordings", "front", T0 + 60, clip, 10
        )
        # A camera we do not serve, and a row whose file is not there: skipped, no harm done.
        add_recording(frigate_db, tmp_path / "media" / "recordings", "garage", T0 + 60, clip, 10)
        gone = add_recording(
            frigate_db, tmp_path / "media" / "recordings", "back", T0 + 60, clip, 10
        )
        gone.unlink()
        await until(lambda: str(new) in indexed(context))
        assert indexed(context) == {str(new)}
        await indexer.stop()
        await context.stop()

    asyncio.run(scenario())


def test_the_app_runs_the_indexer_among_its_workers(
    client_factory: Callable[..., TestClient], recorded: Path
) -> None:
    client = client_factory(background=True, clock=FixedClock(T0 + 60))
    context = context_of(client)
    indexer = context.worker(SampleIndexer)
    assert indexer.context is context

    async def wait() -> None:
        await until(lambda: len(indexed(context)) == len(recorded))

    asyncio.run(wait())
    # A clip of indexed segments reads no segment's moov: the index answers.
    response = client.get(f"/api/front/start/{T0 + 2}/end/{T0 + 55}/clip.mp4")
    assert response.status_code == 200 and int(response.headers["content-length"]) > 0
