"""The user-row cache: reused for its time, re-read after, one read for concurrent requests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from frigate_media.auth.users import UserDirectory, UserState, password_changed_seconds
from frigate_media.storage.db import open_database
from tests.support.db import create_frigate_db, insert_user


class FakeClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


class CountingDb:
    """Runs the blocking read inline and counts the reads (the DB threads are not the subject)."""

    def __init__(self) -> None:
        self.reads = 0
        self.gate: asyncio.Event | None = None

    async def __call__(self, function: Callable[..., Any], *args: object) -> Any:
        self.reads += 1
        if self.gate is not None:
            await self.gate.wait()
        return function(*args)


def test_a_row_is_reused_for_its_time_then_read_again(tmp_path: Path) -> None:
    db = create_frigate_db(tmp_path / "frigate.db")
    open_database(str(db))
    insert_user(db, "alice", "admin")
    clock, run_db = FakeClock(), CountingDb()
    users = UserDirectory(5.0, clock=clock)

    async def scenario() -> None:
        assert await users.get("alice", run_db) == UserState("admin", None)
        clock.now += 4.9
        assert await users.get("alice", run_db) == UserState("admin", None)
        assert run_db.reads == 1
        clock.now += 0.2
        assert await users.get("bob", run_db) is None  # absent users are cached too
        assert await users.get("alice", run_db) == UserState("admin", None)
        assert await users.get("bob", run_db) is None
        assert run_db.reads == 3

    asyncio.run(scenario())


def test_concurrent_requests_for_one_user_share_one_read(tmp_path: Path) -> None:
    db = create_frigate_db(tmp_path / "frigate.db")
    open_database(str(db))
    insert_user(db, "alice", "front_only")
    run_db = CountingDb()
    users = UserDirectory(5.0, clock=FakeClock())

    async def scenario() -> None:
        run_db.gate = asyncio.Event()
        waiting = [asyncio.ensure_future(users.get("alice", run_db)) for _ in range(20)]
        await asyncio.sleep(0)
        waiting[0].cancel()  # a client that leaves does not cancel the others' read
        run_db.gate.set()
        results = await asyncio.gather(*waiting[1:])
        assert {state.role for state in results if state is not None} == {"front_only"}
        assert run_db.reads == 1

    asyncio.run(scenario())


def test_password_changed_at_is_read_as_frigate_writes_it() -> None:
    moment = datetime(2026, 7, 1, 12, 30, 15, 250000)
    assert password_changed_seconds(str(moment)) == moment.timestamp()
    assert (
        password_changed_seconds("2026-07-01 12:30:15") == moment.replace(microsecond=0).timestamp()
    )
    assert password_changed_seconds(1_750_000_000.5) == 1_750_000_000.5
    assert password_changed_seconds(None) is None
    assert password_changed_seconds("garbage") is None
