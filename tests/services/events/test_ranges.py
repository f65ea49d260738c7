"""The one padding rule for events and reviews, and the first-20-s preview rule."""

from __future__ import annotations

import pytest

from frigate_media.errors import NotFound
from frigate_media.services.events.ranges import (
    event_clip_range,
    event_preview_range,
    event_range,
    padded_range,
    review_preview_range,
    review_range,
)
from frigate_media.services.events.records import EventRecord, ReviewRecord
from tests.support.events import event_record

T0 = 1_719_000_000.0
NOW = T0 + 3600


def event(start: float, end: float | None, *, has_clip: bool = True) -> EventRecord:
    return event_record(start, end, has_clip=has_clip)


def review(start: float, end: float | None) -> ReviewRecord:
    return ReviewRecord(id=f"{start}-rev", camera="front", start_time=start, end_time=end)


def test_an_ended_event_is_padded_on_both_sides() -> None:
    assert event_range(event(T0 + 20, T0 + 30), 5, NOW) == (T0 + 15, T0 + 35)


def test_an_unpadded_event_is_its_own_span() -> None:
    assert event_range(event(T0 + 20, T0 + 30), 0, NOW) == (T0 + 20, T0 + 30)


def test_an_open_event_runs_until_now_and_its_end_is_not_padded() -> None:
    assert event_range(event(T0 + 20, None), 5, NOW) == (T0 + 15, NOW)


def test_an_instant_event_still_has_a_one_millisecond_range() -> None:
    start, end = event_range(event(T0 + 20, T0 + 20), 0, NOW)
    assert start == T0 + 20
    assert end - start == pytest.approx(0.001, abs=1e-6)


def test_a_negative_padding_never_reverses_the_range() -> None:
    start, end = event_range(event(T0 + 20, T0 + 30), -10, NOW)
    assert start == T0 + 30
    assert end - start == pytest.approx(0.001, abs=1e-6)


def test_an_open_event_that_starts_after_now_is_not_reversed() -> None:
    start, end = event_range(event(NOW + 10, None), 0, NOW)
    assert end > start == NOW + 10


def test_a_review_uses_the_same_rule_as_an_event() -> None:
    assert review_range(review(T0 + 5, T0 + 11), 2, NOW) == (T0 + 3, T0 + 13)
    assert review_range(review(T0 + 5, None), 2, NOW) == (T0 + 3, NOW)
    for start, end, padding in [(T0, T0 + 9, 4), (T0, None, 4), (T0, T0, 0)]:
        assert review_range(review(start, end), padding, NOW) == event_range(
            event(start, end), padding, NOW
        )


def test_a_reviews_preview_is_padded_by_eight_seconds() -> None:
    assert review_preview_range(review(T0 + 20, T0 + 30), NOW) == (T0 + 12, T0 + 38)
    assert review_preview_range(review(T0 + 20, None), NOW) == (T0 + 12, NOW)


def test_padded_range_is_the_rule_every_caller_shares() -> None:
    assert padded_range(100.0, 110.0, 3, 500.0) == (97.0, 113.0)
    assert padded_range(100.0, None, 3, 500.0) == (97.0, 500.0)


def test_a_clip_of_an_event_without_a_clip_is_not_found() -> None:
    with pytest.raises(NotFound, match=r"^Clip not available$"):
        event_clip_range(event(T0, T0 + 10, has_clip=False), 0, NOW)
    assert event_clip_range(event(T0, T0 + 10), 2, NOW) == (T0 - 2, T0 + 12)


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        (T0 + 45, T0 + 20),  # long event: the first 20 s
        (T0 + 7, T0 + 7),  # short event: all of it
        (T0 + 0.2, T0 + 1),  # very short: at least one second
        (None, T0 + 20),  # in progress: 20 s
    ],
)
def test_an_event_preview_is_the_first_twenty_seconds(end: float | None, expected: float) -> None:
    assert event_preview_range(event(T0, end)) == (T0, expected)
