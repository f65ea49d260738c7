"""The time ranges of an event's or a review's clip and preview, for the shared clip and
preview services."""

from __future__ import annotations

from frigate_media.errors import NotFound
from frigate_media.services.events.records import EventRecord, ReviewRecord

PREVIEW_SECONDS = 20.0
MIN_PREVIEW_SECONDS = 1.0


def event_clip_range(event: EventRecord, padding: int, now: float) -> tuple[float, float]:
    """[start - padding, end + padding]; an event in progress runs until now (Frigate)."""
    if not event.has_clip:
        raise NotFound("Clip not available")
    end = now if event.end_time is None else event.end_time + padding
    return event.start_time - padding, end


def review_clip_range(review: ReviewRecord, padding: int, now: float) -> tuple[float, float]:
    """[start - padding, end + padding], with an open review ending now."""
    end = now if review.end_time is None else review.end_time
    return review.start_time - padding, end + padding


def event_preview_range(event: EventRecord) -> tuple[float, float]:
    """The first 20 s of the event (all of it when shorter; at least 1 s)."""
    length = PREVIEW_SECONDS
    if event.end_time is not None:
        length = min(event.end_time - event.start_time, PREVIEW_SECONDS)
    return event.start_time, event.start_time + max(length, MIN_PREVIEW_SECONDS)
