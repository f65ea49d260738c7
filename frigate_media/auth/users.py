"""The current row of a token's user, re-read at most every few seconds.

A token names its user and the role it was issued with. Deleting the user or changing the role
in Frigate must end what the token may do without waiting for its `exp`, so each request
checks the user's row: from a small cache (a dict lookup on the hot path) that is re-read on
the DB threads once an entry is older than `limits.user_cache_seconds`. Concurrent requests
for one user share one read. Absent users are cached too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from frigate_media.storage.models import User

RunDb = Callable[..., Awaitable[Any]]
MAX_ENTRIES = 1024
# Frigate writes `password_changed_at` as a naive local datetime (peewee DateTimeField).
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class UserState:
    """What a request needs from the `user` row: the role, and when the password last changed."""

    role: str
    password_changed_at: float | None  # Unix seconds


def password_changed_seconds(value: object) -> float | None:
    """`password_changed_at` as Unix seconds, whether Frigate stored a datetime or a number."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime):
        return value.timestamp()
    text = str(value)
    try:
        return float(text)
    except ValueError:
        pass
    for pattern in DATETIME_FORMATS:
        try:
            return datetime.strptime(text, pattern).timestamp()
        except ValueError:
            continue
    return None


def read_user(username: str) -> UserState | None:
    """The user's row, or None when it does not exist (blocking: run on the DB threads)."""
    row = (
        User.select(User.role, User.password_changed_at)
        .where(User.username == username)
        .tuples()
        .first()
    )
    if row is None:
        return None
    role, changed = row
    return UserState(
        role=str(role or "viewer"), password_changed_at=password_changed_seconds(changed)
    )


class UserDirectory:
    """Users' current rows, each reused for `ttl` seconds."""

    def __init__(
        self,
        ttl: float,
        *,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._rows: dict[str, tuple[float, UserState | None]] = {}
        self._reading: dict[str, asyncio.Task[UserState | None]] = {}

    async def get(self, username: str, run_db: RunDb) -> UserState | None:
        """The user's row as of at most `ttl` seconds ago (None: no such user)."""
        cached = self._rows.get(username)
        if cached is not None and self.clock() - cached[0] < self.ttl:
            return cached[1]
        reading = self._reading.get(username)
        if reading is None:
            # One read per user at a time, owned by no request: a client that goes away
            # does not cancel the read the others wait for.
            reading = asyncio.ensure_future(self._read(username, run_db))
            self._reading[username] = reading
        return await asyncio.shield(reading)

    async def _read(self, username: str, run_db: RunDb) -> UserState | None:
        try:
            state: UserState | None = await run_db(read_user, username)
        finally:
            del self._reading[username]
        if len(self._rows) >= self.max_entries:
            self._rows.clear()
        self._rows[username] = (self.clock(), state)
        return state
