"""Summary statistics for latency samples: percentiles by linear interpolation, min/max/median."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The `fraction` (0..1) percentile, interpolating linearly between closest ranks.

    This is numpy's default ("linear") method: p50 of [1, 2, 3, 4] is 2.5. NaN when empty.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be within [0, 1], got {fraction}")
    if not samples:
        return math.nan
    ordered = sorted(samples)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    weight = position - low
    return ordered[low] + (ordered[high] - ordered[low]) * weight


@dataclass(frozen=True)
class Summary:
    """The figures the tables print for one series of samples."""

    count: int
    p50: float
    p99: float
    min: float
    max: float
    mean: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def summarize(samples: Sequence[float]) -> Summary:
    """Count, p50, p99, min, max and mean (NaN figures for an empty series)."""
    if not samples:
        return Summary(0, math.nan, math.nan, math.nan, math.nan, math.nan)
    return Summary(
        count=len(samples),
        p50=percentile(samples, 0.5),
        p99=percentile(samples, 0.99),
        min=min(samples),
        max=max(samples),
        mean=sum(samples) / len(samples),
    )


def median(values: Sequence[float]) -> float:
    """The middle value (mean of the two middle ones for an even count); NaN when empty."""
    return percentile(values, 0.5)
