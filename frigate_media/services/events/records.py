"""Event and review records as the media routes need them: checked ids, access, newest by label.

`load_event` and `load_review` are the one way a route gets an event or a review: a frozen record,
never a peewee row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from peewee import DoesNotExist

from frigate_media.auth.identity import Identity
from frigate_media.context import AppContext
from frigate_media.errors import BadRequest, NotFound
from frigate_media.storage.models import Event, ReviewSegment

# Frigate ids are `<epoch float>-<6 random [a-z0-9]>`; other writers keep to the same alphabet.
# Anything else (slashes, `..`, spaces, unicode, very long) never reaches a query or a path.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_LABEL_LENGTH = 100
ANY_LABEL = "any"


def checked_id(value: str, what: str = "event") -> str:
    """`value` if it can be a Frigate id; BadRequest otherwise."""
    if not ID_PATTERN.match(value) or ".." in value:
        raise BadRequest(f"Invalid {what} id")
    return value


def checked_label(value: str) -> str:
    """A label as given (Starlette decoded it once): no path separators, `..` or control chars."""
    if (
        not value
        or len(value) > MAX_LABEL_LENGTH
        or "/" in value
        or "\\" in value
        or ".." in value
        or not value.isprintable()
    ):
        raise BadRequest("Invalid label")
    return value


@dataclass(frozen=True)
class EventRecord:
    """The columns of one `event` row the media routes use."""

    id: str
    camera: str
    label: str
    start_time: float
    end_time: float | None
    has_clip: bool
    has_snapshot: bool
    thumbnail: str | None = None
    sub_label: str | None = None
    top_score: float | None = None
    score: float | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def ended(self) -> bool:
        return self.end_time is not None

    @property
    def snapshot_frame_time(self) -> float:
        """The snapshot frame's time: data.snapshot_frame_time, data.frame_time, start_time."""
        for key in ("snapshot_frame_time", "frame_time"):
            value = self.data.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
        return self.start_time


@dataclass(frozen=True)
class ReviewRecord:
    """The columns of one `reviewsegment` row the media routes use."""

    id: str
    camera: str
    start_time: float
    end_time: float | None


def _event(row: Event) -> EventRecord:
    data = row.data if isinstance(row.data, dict) else {}
    return EventRecord(
        id=str(row.id),
        camera=str(row.camera),
        label=str(row.label),
        start_time=float(row.start_time),
        end_time=None if row.end_time is None else float(row.end_time),
        has_clip=bool(row.has_clip),
        has_snapshot=bool(row.has_snapshot),
        thumbnail=row.thumbnail or None,
        sub_label=row.sub_label,
        top_score=None if row.top_score is None else float(row.top_score),
        score=None if row.score is None else float(row.score),
        data=data,
    )


def find_event(event_id: str) -> EventRecord | None:
    """The event row with this id, or None. Blocking."""
    try:
        return _event(Event.get_by_id(event_id))
    except DoesNotExist:
        return None


def find_review(review_id: str) -> ReviewRecord | None:
    """The review segment with this id, or None. Blocking."""
    try:
        row = ReviewSegment.get_by_id(review_id)
    except DoesNotExist:
        return None
    return ReviewRecord(
        id=str(row.id),
        camera=str(row.camera),
        start_time=float(row.start_time),
        end_time=None if row.end_time is None else float(row.end_time),
    )


def _label_query(camera: str, label: str) -> Any:
    query = Event.select().where(Event.camera == camera)
    if label != ANY_LABEL:
        query = query.where(Event.label == label)
    return query


def newest_event(camera: str, label: str) -> EventRecord | None:
    """The camera's event with the latest start time, in any state. Blocking."""
    row = _label_query(camera, label).order_by(Event.start_time.desc(), Event.id.desc()).first()
    return None if row is None else _event(row)


def newest_with_clip(camera: str, label: str) -> EventRecord | None:
    """The camera's event with a clip and the latest start time. Blocking."""
    query = _label_query(camera, label).where(Event.has_clip == True)  # noqa: E712
    row = query.order_by(Event.start_time.desc(), Event.id.desc()).first()
    return None if row is None else _event(row)


def newest_with_snapshot(camera: str, label: str) -> EventRecord | None:
    """The camera's event with a snapshot and the latest start time. Blocking."""
    query = _label_query(camera, label).where(Event.has_snapshot == True)  # noqa: E712
    row = query.order_by(Event.start_time.desc(), Event.id.desc()).first()
    return None if row is None else _event(row)


@dataclass(frozen=True)
class Lookup:
    """How one family of routes answers an id it cannot serve (Frigate's messages differ)."""

    not_found: str
    # False: an id that cannot exist is simply not found (404), as Frigate answers it, not a 400.
    strict_id: bool = True


EVENT_MEDIA = Lookup("Event not found")
VOD_EVENT = Lookup("Event not found.", strict_id=False)  # nginx-vod's mapping route
REVIEW_MEDIA = Lookup("Review not found")
REVIEW_PREVIEW = Lookup("Review segment not found", strict_id=False)


def lookup_id(value: str, what: str, lookup: Lookup) -> str:
    """`value` if it can be an id; else 400, or 404 where the family calls it not found."""
    try:
        return checked_id(value, what)
    except BadRequest:
        if lookup.strict_id:
            raise
        raise NotFound(lookup.not_found) from None


async def load_event(
    context: AppContext, identity: Identity, event_id: str, lookup: Lookup = EVENT_MEDIA
) -> EventRecord:
    """The event, after the id check (400), the lookup (404) and the camera check (403)."""
    event = await context.run_db(find_event, lookup_id(event_id, "event", lookup))
    if event is None:
        raise NotFound(lookup.not_found)
    identity.require_camera(event.camera)
    return event


async def load_review(
    context: AppContext, identity: Identity, review_id: str, lookup: Lookup = REVIEW_MEDIA
) -> ReviewRecord:
    """The review segment, after the id check, the lookup (404) and the camera check (403)."""
    review = await context.run_db(find_review, lookup_id(review_id, "review", lookup))
    if review is None:
        raise NotFound(lookup.not_found)
    identity.require_camera(review.camera)
    return review
