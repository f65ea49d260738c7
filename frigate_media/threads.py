"""A few threads of their own for heavy blocking work, with a bounded wait for one of them.

Decoding a recorded frame holds a core for tens of milliseconds. Run on the shared default
executor, a burst of such requests would queue every other `to_thread` call behind them; here
they get `threads` threads of their own, and a caller that cannot get one within `queue_wait`
seconds is answered 503 (as the ffmpeg runner answers when its slots are taken).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from frigate_media.errors import Busy

T = TypeVar("T")


class BoundedThreads:
    """`threads` worker threads; `run` waits at most `queue_wait` seconds for a free one."""

    def __init__(self, threads: int, queue_wait: float, name: str, busy_message: str) -> None:
        self.threads = threads
        self.queue_wait = queue_wait
        self.busy_message = busy_message
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix=name)
        self._free = asyncio.Semaphore(threads)

    async def run(self, function: Callable[..., T], *args: object) -> T:
        """`function(*args)` on one of the threads; Busy (503) when none frees up in time."""
        try:
            await asyncio.wait_for(self._free.acquire(), self.queue_wait)
        except TimeoutError:
            raise Busy(self.busy_message) from None
        try:
            future = asyncio.get_running_loop().run_in_executor(self._executor, function, *args)
        except BaseException:
            self._free.release()
            raise
        # The slot is the thread's: a caller that goes away stops waiting, the slot stays taken
        # until the call really ends.
        future.add_done_callback(lambda _: self._free.release())
        return await asyncio.shield(future)

    def close(self) -> None:
        """Let running calls finish; refuse new ones."""
        self._executor.shutdown(wait=False, cancel_futures=True)
