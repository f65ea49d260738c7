"""Single-flight: at most one run of a job per key; concurrent callers share its outcome.

Used wherever identical requests may arrive while the work for the first is still under way
(live encodes, preview encodes, HLS remuxes, clip builds). The work runs as its own task: a
caller that goes away stops waiting but does not cancel what the others wait for, and the key
is free again as soon as the work ends, so a later call starts afresh (a cache, if any, is the
caller's business).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class SingleFlight(Generic[K, T]):
    """The jobs in flight, by key."""

    def __init__(self) -> None:
        self._running: dict[K, asyncio.Future[T]] = {}

    def __len__(self) -> int:
        return len(self._running)

    def running(self, key: K) -> bool:
        """True while a job for `key` is under way."""
        return key in self._running

    async def run(self, key: K, make: Callable[[], Awaitable[T]]) -> T:
        """The outcome of the job for `key`: joins the one under way, else starts `make()`.

        Every caller gets the job's result or its exception. Cancelling a caller cancels only
        its wait (the job is shielded).
        """
        future = self._running.get(key)
        if future is None:
            future = asyncio.ensure_future(make())
            self._running[key] = future
            future.add_done_callback(functools.partial(self._release, key))
        return await asyncio.shield(future)

    def _release(self, key: K, future: asyncio.Future[T]) -> None:
        if self._running.get(key) is future:
            del self._running[key]
