"""Single-flight: one job per key, its outcome shared, one caller's cancel harmless to others."""

from __future__ import annotations

import asyncio
import functools

import pytest

from frigate_media.singleflight import SingleFlight


class Job:
    """A job that counts its runs and finishes when the test says so."""

    def __init__(self) -> None:
        self.runs = 0
        self.release = asyncio.Event()
        self.started = asyncio.Event()

    async def __call__(self) -> str:
        self.runs += 1
        self.started.set()
        await self.release.wait()
        return f"result {self.runs}"


def test_concurrent_callers_of_one_key_share_one_run_and_its_result() -> None:
    async def scenario() -> tuple[list[str], int, bool]:
        flights: SingleFlight[str, str] = SingleFlight()
        job = Job()
        waiters = [asyncio.ensure_future(flights.run("k", job)) for _ in range(5)]
        await job.started.wait()
        running = flights.running("k")
        job.release.set()
        return list(await asyncio.gather(*waiters)), job.runs, running

    results, runs, running = asyncio.run(scenario())
    assert results == ["result 1"] * 5
    assert runs == 1
    assert running


def test_different_keys_run_separately() -> None:
    async def scenario() -> list[int]:
        flights: SingleFlight[int, int] = SingleFlight()

        async def square(n: int) -> int:
            await asyncio.sleep(0)
            return n * n

        return list(
            await asyncio.gather(*(flights.run(n, functools.partial(square, n)) for n in range(4)))
        )

    assert asyncio.run(scenario()) == [0, 1, 4, 9]


def test_every_caller_gets_the_jobs_exception_and_the_key_is_freed() -> None:
    runs = 0

    async def failing() -> str:
        nonlocal runs
        runs += 1
        await asyncio.sleep(0.01)
        raise ValueError("broken source")

    async def scenario() -> tuple[list[BaseException | str], int]:
        flights: SingleFlight[str, str] = SingleFlight()
        outcomes = await asyncio.gather(
            *(flights.run("k", failing) for _ in range(3)), return_exceptions=True
        )
        return list(outcomes), len(flights)

    outcomes, left = asyncio.run(scenario())
    assert runs == 1
    assert all(isinstance(o, ValueError) and str(o) == "broken source" for o in outcomes)
    assert left == 0


def test_a_cancelled_caller_does_not_cancel_the_job_others_wait_for() -> None:
    async def scenario() -> tuple[str, bool, int]:
        flights: SingleFlight[str, str] = SingleFlight()
        job = Job()
        leaving = asyncio.ensure_future(flights.run("k", job))
        staying = asyncio.ensure_future(flights.run("k", job))
        await job.started.wait()
        leaving.cancel()
        with pytest.raises(asyncio.CancelledError):
            await leaving
        job.release.set()
        return await staying, leaving.cancelled(), job.runs

    result, cancelled, runs = asyncio.run(scenario())
    assert (result, cancelled, runs) == ("result 1", True, 1)


def test_a_job_whose_callers_all_left_still_finishes() -> None:
    async def scenario() -> tuple[bool, int]:
        flights: SingleFlight[str, str] = SingleFlight()
        finished = asyncio.Event()

        async def work() -> str:
            await asyncio.sleep(0.01)
            finished.set()
            return "done"

        caller = asyncio.ensure_future(flights.run("k", work))
        await asyncio.sleep(0)
        caller.cancel()
        await asyncio.wait_for(finished.wait(), 5)
        for _ in range(10):  # the job's task ends a few loop turns after setting the event
            await asyncio.sleep(0)
        return finished.is_set(), len(flights)

    assert asyncio.run(scenario()) == (True, 0)


def test_a_key_runs_again_after_its_job_completed() -> None:
    async def scenario() -> tuple[str, str, int, bool]:
        flights: SingleFlight[str, str] = SingleFlight()
        job = Job()
        job.release.set()
        first = await flights.run("k", job)
        running = flights.running("k")
        second = await flights.run("k", job)
        return first, second, job.runs, running

    assert asyncio.run(scenario()) == ("result 1", "result 2", 2, False)
