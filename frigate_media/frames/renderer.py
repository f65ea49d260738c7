"""Shares encoded images: one encode per (camera, frame time, format, size, quality, overlays),
awaited by every request and MJPEG viewer that wants it, dropped when a newer frame arrives."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

from frigate_media.singleflight import SingleFlight

MAX_VARIANTS_PER_SOURCE = 64


@dataclass(frozen=True)
class RenderKey:
    """Everything that makes two encoded images differ."""

    source: str  # camera name, "birdseye", or "preview:<file>"/"error"
    frame_time: float
    fmt: str
    width: int
    height: int
    quality: int
    overlays: str


class SharedRenderer:
    """An encode cache with in-flight sharing; encodes run on `executor`, never on the loop."""

    def __init__(self, executor: Executor) -> None:
        self._executor = executor
        self._by_source: dict[str, tuple[float, dict[RenderKey, bytes]]] = {}
        self._flights: SingleFlight[RenderKey, bytes] = SingleFlight()
        self.encodes = 0  # how many encodes actually ran (for tests and benchmarks)

    async def get(self, key: RenderKey, produce: Callable[[], bytes]) -> bytes:
        """The bytes for `key`, produced at most once while `key`'s frame is the newest."""
        entry = self._by_source.get(key.source)
        if entry is None or entry[0] < key.frame_time:
            entry = (key.frame_time, {})
            self._by_source[key.source] = entry
        elif entry[0] > key.frame_time:
            # A request that raced a newer frame: serve it without disturbing the cache.
            return await self._run(produce)
        variants = entry[1]
        done = variants.get(key)
        if done is not None:
            return done
        return await self._flights.run(key, lambda: self._run_into(variants, key, produce))

    async def _run_into(
        self, variants: dict[RenderKey, bytes], key: RenderKey, produce: Callable[[], bytes]
    ) -> bytes:
        """Encode and keep the result with its frame's variants (a failure is not kept)."""
        body = await self._run(produce)
        if len(variants) >= MAX_VARIANTS_PER_SOURCE:
            variants.pop(next(iter(variants)))
        variants[key] = body
        return body

    async def _run(self, produce: Callable[[], bytes]) -> bytes:
        self.encodes += 1
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, produce)
