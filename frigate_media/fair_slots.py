"""Bounded pools of work slots, shared fairly: one requester holds at most its share of a pool.

Who the current request is for (a user, or the client's address when requests carry no user)
is set once per request, by the identity dependency, in a context variable; work started for
the request (ffmpeg jobs, streams, HLS cuts) counts against that requester, also when it runs
in a task the request started. Background work has no requester: only the pool bounds it.

A requester at its share waits (within the pool's queue time) for one of its own slots, then
gets 503 + Retry-After; other requesters are not held up by it, because its share leaves the
rest of the pool free.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from frigate_media.errors import Busy

REQUESTER: ContextVar[str | None] = ContextVar("requester", default=None)
RETRY_AFTER_SECONDS = 2


def set_requester(key: str | None) -> None:
    """Name the requester of the running request (and of the tasks it starts from now on)."""
    REQUESTER.set(key)


def current_requester() -> str | None:
    return REQUESTER.get()


@dataclass
class _Share:
    slots: asyncio.Semaphore
    users: int = 0  # holders and waiters; the share is dropped at zero


@dataclass
class FairSlots:
    """`capacity` slots; at most `capacity * share` (at least one) per requester."""

    capacity: int
    share: float = 1.0
    queue_wait: float = 5.0
    busy_message: str = "Too many media jobs are running; try again shortly"
    requester_message: str = "Too many media jobs for this user at once; try again shortly"
    _free: asyncio.Semaphore = field(init=False)
    _shares: dict[str, _Share] = field(init=False, default_factory=dict)
    _held: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self._free = asyncio.Semaphore(self.capacity)

    @property
    def per_requester(self) -> int:
        return max(1, math.floor(self.capacity * self.share))

    @property
    def in_use(self) -> int:
        return self._held

    async def acquire(self) -> Callable[[], None]:
        """Take a slot for the current requester; the returned function gives it back (once).

        Busy when no slot frees up within `queue_wait`: the requester's own share first, then
        the pool.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.queue_wait
        requester = current_requester()
        share = None
        if requester is not None and self.per_requester < self.capacity:
            share = self._shares.get(requester)
            if share is None:
                share = self._shares[requester] = _Share(asyncio.Semaphore(self.per_requester))
            share.users += 1
            try:
                await _acquire(share.slots, deadline - loop.time(), self.requester_message)
            except BaseException:
                self._leave(requester, share)
                raise
        try:
            await _acquire(self._free, deadline - loop.time(), self.busy_message)
        except BaseException:
            if share is not None and requester is not None:
                share.slots.release()
                self._leave(requester, share)
            raise
        self._held += 1
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            self._held -= 1
            self._free.release()
            if share is not None and requester is not None:
                share.slots.release()
                self._leave(requester, share)

        return release

    @contextlib.asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        """Hold a slot for the body of the `async with`."""
        release = await self.acquire()
        try:
            yield
        finally:
            release()

    def _leave(self, requester: str, share: _Share) -> None:
        share.users -= 1
        if share.users == 0 and self._shares.get(requester) is share:
            del self._shares[requester]


async def _acquire(slots: asyncio.Semaphore, wait: float, message: str) -> None:
    if not slots.locked():
        await slots.acquire()  # free: taken at once, even with no time left to wait
        return
    try:
        await asyncio.wait_for(slots.acquire(), max(0.0, wait))
    except TimeoutError:
        raise Busy(message, retry_after=RETRY_AFTER_SECONDS) from None
