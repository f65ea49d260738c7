"""The time range an event or a review plays: one padding rule for VOD, HLS, clips and previews."""

from __future__ import annotations

from frigate_media.errors import NotFound
from frigate_media.services.events.records import EventRecord, ReviewRecord

PREVIEW_SECONDS = 20.0
MIN_PREVIEW_SECONDS = 1.0
# Frigate pads a review by 8 s on both sides for its animated preview.
REVIEW_PREVIEW_PADDING = 8.0
# A padded range is never empty or reversed (an instant event, a negative VOD padding): it then
# reads as "nothing recorded", Frigate's answer, rather than as a malformed range.
MIN_RANGE_SECONDS = 0.001


def padded_range(
    start: float, end: float | None, padding: float, now: float
) -> tuple[float, float]:
    """[start - padding, end + padding]; while still open (no end) it runs until now."""
    first = start - padding
    last = now if end is None else end + padding
    return first, max(last, first + MIN_RANGE_SECONDS)


def event_range(event: EventRecord, padding: float, now: float) -> tuple[float, float]:
    """The event padded on both sides (Frigate's VOD and clip rule); an open event runs to now."""
    return padded_range(event.start_time, event.end_time, padding, now)


def review_range(review: ReviewRecord, padding: float, now: float) -> tuple[float, float]:
    """The review padded on both sides; an open review runs to now."""
    return padded_range(review.start_time, review.end_time, padding, now)


def event_clip_range(event: EventRecord, padding: float, now: float) -> tuple[float, float]:
    """The event's range for `clip.mp4`: 404 when Frigate says the event has no clip."""
    if not event.has_clip:
        raise NotFound("Clip not available")
    return event_range(event, padding, now)


def review_preview_range(review: ReviewRecord, now: float) -> tuple[float, float]:
    """The review padded by 8 s, for its animated preview (Frigate)."""
    return review_range(review, REVIEW_PREVIEW_PADDING, now)


def event_preview_range(event: EventRecord) -> tuple[float, float]:
    """The first 20 s of the event (all of it when shorter; at least 1 s)."""
    length = PREVIEW_SECONDS
    if event.end_time is not None:
        length = min(event.end_time - event.start_time, PREVIEW_SECONDS)
    return event.start_time, event.start_time + max(length, MIN_PREVIEW_SECONDS)
