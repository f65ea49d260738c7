"""The password-check pool: bounded (503 at once when full), equally costly for unknown users."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from frigate_media.auth import hashing
from frigate_media.auth.hashing import PasswordHasher
from frigate_media.auth.passwords import hash_password
from frigate_media.errors import Busy
from tests.support.db import insert_user


def test_a_full_pool_refuses_at_once_and_frees_its_slots_when_hashes_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The hash is replaced by one that waits for a gate, so "full" needs no timing."""
    gate = threading.Event()

    def held(password: str, stored: str | None) -> bool:
        gate.wait(30)
        return password == "right"

    monkeypatch.setattr(hashing, "verify_password", held)
    hasher = PasswordHasher(threads=1, queue=2, iterations=1000)

    async def scenario() -> None:
        admitted = [asyncio.ensure_future(hasher.verify("wrong", "x")) for _ in range(3)]
        await asyncio.sleep(0)
        with pytest.raises(Busy) as busy:
            await hasher.verify("wrong", "x")
        assert busy.value.status_code == 503
        assert busy.value.headers["Retry-After"] == "2"
        gate.set()
        assert await asyncio.gather(*admitted) == [False, False, False]
        assert await hasher.verify("right", "x") is True
        assert await hasher.verify("right", None) is False  # no such user never matches

    try:
        asyncio.run(scenario())
    finally:
        gate.set()
        hasher.close()


def test_unknown_and_known_users_cost_the_same_iterations(
    client_factory: Callable[..., TestClient],
    frigate_db: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    iterations = 1234
    insert_user(frigate_db, "bob", "viewer", hash_password("right", iterations=iterations))
    client = client_factory({"auth": {"enabled": True, "hash_iterations": iterations}})
    seen: list[int] = []
    real = hashlib.pbkdf2_hmac

    def spy(name: str, password: bytes, salt: bytes, rounds: int, *args: Any) -> bytes:
        seen.append(rounds)
        return real(name, password, salt, rounds, *args)

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", spy)
    known = client.post("/api/login", json={"user": "bob", "password": "wrong"})
    unknown = client.post("/api/login", json={"user": "nobody", "password": "wrong"})
    assert (known.status_code, unknown.status_code) == (401, 401)
    assert known.json() == unknown.json()
    assert seen == [iterations, iterations]
