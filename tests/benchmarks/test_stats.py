"""The statistics helpers the benchmark tables are built from."""

from __future__ import annotations

import math

import pytest

from benchmarks.stats import median, percentile, summarize


def test_percentile_interpolates_between_closest_ranks_like_numpy() -> None:
    samples = [4.0, 1.0, 3.0, 2.0]
    assert percentile(samples, 0.5) == 2.5
    assert percentile(samples, 0.0) == 1.0
    assert percentile(samples, 1.0) == 4.0
    assert percentile(samples, 0.25) == pytest.approx(1.75)


def test_p99_of_one_to_one_hundred_is_near_the_top() -> None:
    samples = [float(i) for i in range(1, 101)]
    assert percentile(samples, 0.99) == pytest.approx(99.01)
    assert percentile(samples, 0.5) == pytest.approx(50.5)


def test_percentile_of_one_sample_is_that_sample() -> None:
    assert percentile([7.0], 0.99) == 7.0


def test_percentile_of_nothing_is_nan_and_a_bad_fraction_is_refused() -> None:
    assert math.isnan(percentile([], 0.5))
    with pytest.raises(ValueError):
        percentile([1.0], 99)


def test_summary_reports_count_extremes_and_mean() -> None:
    summary = summarize([3.0, 1.0, 2.0, 10.0])
    assert (summary.count, summary.min, summary.max, summary.mean) == (4, 1.0, 10.0, 4.0)
    assert summary.p50 == 2.5
    assert summary.p99 == pytest.approx(9.79)
    assert math.isnan(summarize([]).p50)


def test_median_of_odd_and_even_counts() -> None:
    assert median([5.0, 1.0, 3.0]) == 3.0
    assert median([1.0, 2.0]) == 1.5
