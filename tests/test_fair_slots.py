"""Fair slots: one requester holds at most its share of a pool; others keep getting slots."""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from frigate_media.errors import Busy
from frigate_media.fair_slots import FairSlots, set_requester


async def take(slots: FairSlots, requester: str | None) -> object:
    """A slot taken for `requester`, from a task of its own (as a request would)."""

    async def body() -> object:
        set_requester(requester)
        return await slots.acquire()

    return await asyncio.create_task(body(), context=contextvars.Context())


def test_one_requester_gets_its_share_then_busy_while_another_still_gets_slots() -> None:
    async def scenario() -> None:
        slots = FairSlots(4, share=0.5, queue_wait=0.2)
        assert slots.per_requester == 2
        mine = [await take(slots, "user a") for _ in range(2)]
        with pytest.raises(Busy) as refused:
            await take(slots, "user a")
        assert refused.value.headers["Retry-After"]
        assert "this user" in refused.value.message
        theirs = [await take(slots, "user b") for _ in range(2)]
        assert slots.in_use == 4
        for release in (*mine, *theirs):
            release()  # type: ignore[operator]
        assert slots.in_use == 0

    asyncio.run(scenario())


def test_a_requester_at_its_share_gets_the_next_of_its_slots_that_frees_in_time() -> None:
    async def scenario() -> None:
        slots = FairSlots(4, share=0.5, queue_wait=2.0)
        first, second = await take(slots, "user a"), await take(slots, "user a")
        waiting = asyncio.ensure_future(take(slots, "user a"))
        await asyncio.sleep(0.1)
        assert not waiting.done()
        first()  # type: ignore[operator]
        third = await asyncio.wait_for(waiting, 1.0)
        for release in (second, third):
            release()  # type: ignore[operator]
        assert slots.in_use == 0

    asyncio.run(scenario())


def test_background_work_is_bounded_by_the_pool_alone() -> None:
    async def scenario() -> None:
        slots = FairSlots(3, share=0.5, queue_wait=0.1)
        held = [await take(slots, None) for _ in range(3)]
        with pytest.raises(Busy) as refused:
            await take(slots, "user b")
        assert "this user" not in refused.value.message  # the pool is full, not b's share
        for release in held:
            release()  # type: ignore[operator]

    asyncio.run(scenario())


def test_releasing_twice_frees_one_slot_only() -> None:
    async def scenario() -> None:
        slots = FairSlots(1, queue_wait=0.1)
        release = await take(slots, "user a")
        release()  # type: ignore[operator]
        release()  # type: ignore[operator]
        again = await take(slots, "user a")
        with pytest.raises(Busy):
            await take(slots, "user b")
        again()  # type: ignore[operator]

    asyncio.run(scenario())
