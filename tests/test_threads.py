"""Bounded threads: at most N calls at once, a bounded wait for a free thread (then 503), and a
slot that stays taken until its call really ends."""

from __future__ import annotations

import asyncio
import threading

import pytest

from frigate_media.errors import Busy
from frigate_media.threads import BoundedThreads


def test_calls_beyond_the_threads_wait_and_then_run() -> None:
    async def scenario() -> list[str]:
        threads = BoundedThreads(2, 5.0, "test", "busy")
        running = 0
        most = 0
        lock = threading.Lock()

        def work(name: str) -> str:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            threading.Event().wait(0.05)
            with lock:
                running -= 1
            return threading.current_thread().name.split("_")[0] + ":" + name

        done = await asyncio.gather(*(threads.run(work, str(n)) for n in range(6)))
        threads.close()
        assert most == 2
        return done

    done = asyncio.run(scenario())
    assert [name.split(":")[1] for name in done] == [str(n) for n in range(6)]
    assert all(name.startswith("test") for name in done)


def test_a_caller_that_cannot_get_a_thread_in_time_is_busy() -> None:
    release = threading.Event()

    async def scenario() -> None:
        threads = BoundedThreads(1, 0.1, "test", "too many frames")
        holder = asyncio.ensure_future(threads.run(release.wait, 5.0))
        await asyncio.sleep(0.02)
        with pytest.raises(Busy) as busy:
            await threads.run(lambda: None)
        assert busy.value.message == "too many frames"
        assert busy.value.headers["Retry-After"]
        release.set()
        assert await holder is True
        threads.close()

    asyncio.run(scenario())


def test_a_cancelled_caller_keeps_its_thread_until_the_call_ends() -> None:
    release = threading.Event()
    ended = threading.Event()

    def slow() -> None:
        release.wait(5.0)
        ended.set()

    async def scenario() -> None:
        threads = BoundedThreads(1, 0.1, "test", "busy")
        caller = asyncio.ensure_future(threads.run(slow))
        await asyncio.sleep(0.02)
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
        with pytest.raises(Busy):  # the thread still runs the cancelled call
            await threads.run(lambda: None)
        release.set()
        await asyncio.sleep(0.05)
        assert ended.is_set()
        assert await threads.run(lambda: 7) == 7
        threads.close()

    asyncio.run(scenario())
