"""The clock behind every "now": real in the service, settable in tests."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current Unix time in seconds."""

    def now(self) -> float: ...


class SystemClock:
    """The wall clock."""

    def now(self) -> float:
        return time.time()


class FixedClock:
    """A clock that stays where it is set; for tests."""

    def __init__(self, now: float) -> None:
        self.value = now

    def now(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds
