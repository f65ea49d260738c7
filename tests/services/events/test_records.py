"""Event and review lookups: the id rule per route family, records instead of rows, the has_clip
write."""

from __future__ import annotations

from pathlib import Path

import pytest

from frigate_media.errors import BadRequest, MediaError, NotFound
from frigate_media.services.events.records import (
    EVENT_MEDIA,
    REVIEW_MEDIA,
    REVIEW_PREVIEW,
    VOD_EVENT,
    EventRecord,
    Lookup,
    ReviewRecord,
    find_event,
    find_review,
    lookup_id,
)
from frigate_media.services.events.unrecorded import EVENT_CLIP_GRACE_SECONDS, clear_has_clip
from frigate_media.storage.db import open_database
from frigate_media.storage.models import Event
from tests.support.db import create_frigate_db, insert, insert_event

T0 = 1_719_000_000.0
IMPOSSIBLE_IDS = ["a..b", "../etc", "x/y", "9" * 80, "", "é-123"]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = create_frigate_db(tmp_path / "frigate.db")
    open_database(path)
    return path


def test_a_frigate_id_passes_for_every_family() -> None:
    for lookup in (EVENT_MEDIA, VOD_EVENT, REVIEW_MEDIA, REVIEW_PREVIEW):
        assert lookup_id("1719000000.123-ab12cd", "event", lookup) == "1719000000.123-ab12cd"


@pytest.mark.parametrize("value", IMPOSSIBLE_IDS)
@pytest.mark.parametrize(
    ("what", "lookup", "error", "message"),
    [
        ("event", EVENT_MEDIA, BadRequest, "Invalid event id"),
        ("review", REVIEW_MEDIA, BadRequest, "Invalid review id"),
        # Where Frigate answers any unknown id with 404, an impossible one is simply not found.
        ("event", VOD_EVENT, NotFound, "Event not found."),
        ("review", REVIEW_PREVIEW, NotFound, "Review segment not found"),
    ],
)
def test_an_impossible_id_gets_its_route_familys_answer(
    value: str, what: str, lookup: Lookup, error: type[MediaError], message: str
) -> None:
    with pytest.raises(error) as raised:
        lookup_id(value, what, lookup)
    assert raised.value.message == message


def test_the_families_keep_frigates_not_found_messages() -> None:
    assert EVENT_MEDIA.not_found == "Event not found"
    assert VOD_EVENT.not_found == "Event not found."
    assert REVIEW_MEDIA.not_found == "Review not found"
    assert REVIEW_PREVIEW.not_found == "Review segment not found"


def test_an_event_is_found_as_a_frozen_record(db: Path) -> None:
    event_id = insert_event(db, "front", T0, None, has_clip=0)
    event = find_event(event_id)
    assert isinstance(event, EventRecord)
    assert (event.camera, event.start_time, event.end_time) == ("front", T0, None)
    assert event.has_clip is False and not event.ended
    with pytest.raises(AttributeError):
        event.camera = "back"  # type: ignore[misc]
    assert find_event("1.0-nosuch") is None


def test_a_review_is_found_as_a_record(db: Path) -> None:
    row = {
        "id": "1719000000.0-rev123",
        "camera": "back",
        "start_time": T0,
        "end_time": T0 + 9,
        "severity": "alert",
        "thumb_path": "/media/frigate/clips/review/thumb.webp",
        "data": {"objects": ["person"]},
    }
    insert(db, "reviewsegment", row)
    assert find_review("1719000000.0-rev123") == ReviewRecord(
        "1719000000.0-rev123", "back", T0, T0 + 9
    )
    assert find_review("1.0-nosuch") is None


def test_has_clip_is_cleared_only_for_an_event_past_the_grace_period(db: Path) -> None:
    old = insert_event(db, "front", T0, T0 + 10)
    recent = insert_event(db, "front", T0 + 1000, T0 + 1010)
    now = T0 + 1000 + EVENT_CLIP_GRACE_SECONDS - 1

    assert clear_has_clip(old, now) is True
    assert clear_has_clip(recent, now) is False
    assert Event.get_by_id(old).has_clip is False
    assert Event.get_by_id(recent).has_clip is True


def test_clearing_has_clip_twice_or_for_an_unknown_event_writes_nothing(db: Path) -> None:
    event_id = insert_event(db, "front", T0, T0 + 10, has_clip=0)
    assert clear_has_clip(event_id, T0 + 86_400) is False
    assert clear_has_clip("1.0-nosuch", T0 + 86_400) is False
    assert Event.get_by_id(event_id).has_clip is False
