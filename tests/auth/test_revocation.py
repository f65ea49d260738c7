"""The logged-out set: refused until expiry, bounded, stored in our scratch dir and read back."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from frigate_media.auth.revocation import RevokedTokens, token_id


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_revoked_token_is_stored_and_read_back_until_it_expires(tmp_path: Path) -> None:
    path = tmp_path / "work" / "revoked.json"
    revoked = RevokedTokens(path, max_entries=10)
    alive = token_id("a.b.c")
    asyncio.run(revoked.revoke(alive, expires_at=4_000_000_000))
    asyncio.run(revoked.revoke(token_id("x.y.z"), expires_at=1))  # already dead: not kept
    assert revoked.is_revoked(alive)
    assert json.loads(path.read_text()) == {alive: 4_000_000_000}
    again = RevokedTokens.load(path, max_entries=10)
    assert again.is_revoked(alive)
    assert len(again) == 1


def test_expired_entries_are_dropped_on_load(tmp_path: Path) -> None:
    path = tmp_path / "revoked.json"
    path.write_text(json.dumps({"old": 10.0, "new": 4_000_000_000.0, "bad": "x"}))
    loaded = RevokedTokens.load(path, max_entries=10)
    assert (loaded.is_revoked("old"), loaded.is_revoked("new"), len(loaded)) == (False, True, 1)


def test_an_unreadable_file_is_an_empty_set(tmp_path: Path) -> None:
    path = tmp_path / "revoked.json"
    path.write_text("{not json")
    assert len(RevokedTokens.load(path, max_entries=10)) == 0
    assert len(RevokedTokens.load(tmp_path / "missing.json", max_entries=10)) == 0


def test_the_set_is_bounded_keeping_the_longest_lived(tmp_path: Path) -> None:
    clock = FakeClock()
    revoked = RevokedTokens(None, max_entries=3, clock=clock)

    async def fill() -> None:
        for index in range(6):
            await revoked.revoke(f"t{index}", expires_at=clock.now + 100 + index)

    asyncio.run(fill())
    assert len(revoked) == 3
    assert [revoked.is_revoked(f"t{index}") for index in range(6)] == [False] * 3 + [True] * 3


def test_an_unwritable_directory_keeps_the_set_in_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    revoked = RevokedTokens(blocker / "revoked.json", max_entries=3)
    asyncio.run(revoked.revoke("t", expires_at=4_000_000_000))
    assert revoked.is_revoked("t")
