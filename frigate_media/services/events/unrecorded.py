"""The one write a read route makes to Frigate's event table: `has_clip` false when nothing was
recorded. Kept alone here so a read-only database (beside Frigate) has one place to switch off:
the composition root hands `UnrecordedMarks` (standalone) or `NoMarks` (beside Frigate) to the
context, and the VOD plan calls whichever it got."""

from __future__ import annotations

import logging

from frigate_media.context import AppContext
from frigate_media.storage.models import Event

logger = logging.getLogger(__name__)

# Frigate gives up on an event's clip when nothing was recorded within this long after its start.
EVENT_CLIP_GRACE_SECONDS = 300


def clear_has_clip(event_id: str, now: float) -> bool:
    """`has_clip` false if the event has it and started over the grace period ago. Blocking.

    One conditional UPDATE, so a row another process changed meanwhile is judged as it is now.
    """
    query = Event.update(has_clip=False).where(
        (Event.id == event_id)
        & (Event.has_clip == True)  # noqa: E712 (peewee builds SQL from ==)
        & (Event.start_time < now - EVENT_CLIP_GRACE_SECONDS)
    )
    return int(query.execute()) > 0


class UnrecordedMarks:
    """Marks events without recordings in the database (standalone: the database is ours)."""

    async def mark(self, context: AppContext, event_id: str) -> None:
        """Set `has_clip` false on an event older than a few minutes that has no recordings.

        Frigate meant to do this on `/vod/event/{id}` (its check never fires). Call it only once
        the event's plan came back empty.
        """
        if await context.run_db(clear_has_clip, event_id, context.clock.now()):
            logger.info("event %s has no recordings; marked has_clip false", event_id)


class NoMarks:
    """Beside Frigate: the event table is Frigate's, so nothing is marked."""

    async def mark(self, context: AppContext, event_id: str) -> None:
        return None
