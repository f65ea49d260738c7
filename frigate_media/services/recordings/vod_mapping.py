"""The VOD mapping JSON nginx-vod reads: a time range, a local hour, or an event, as a VodPlan."""

from __future__ import annotations

import functools
import logging

from tzlocal import get_localzone_name

from frigate_media.context import AppContext
from frigate_media.errors import BadRequest, NotFound
from frigate_media.services import timeranges
from frigate_media.services.recordings.vod import VodPlan, build_plan
from frigate_media.storage.models import Event

logger = logging.getLogger(__name__)

# Frigate gives up on an event's clip when nothing was recorded within this long after its start.
EVENT_CLIP_GRACE_SECONDS = 300
MAX_DAY_HOUR_DIGITS = 2


async def plan_range(
    context: AppContext, camera: str, start: float, end: float, *, discontinuity: bool = False
) -> VodPlan:
    """The plan for [start, end], built on a DB thread (the query and keyframe probe block)."""
    start, end = timeranges.time_range(start, end, context.config.limits.clip_max_seconds)
    build = functools.partial(
        build_plan, camera, start, end, now=context.clock.now(), discontinuity=discontinuity
    )
    return await context.run_db(build)


def _small_int(value: str, name: str) -> int:
    """A day or hour from the URL: one or two digits, else 400 (Frigate answers 500)."""
    if not value.isascii() or not value.isdigit() or len(value) > MAX_DAY_HOUR_DIGITS:
        raise BadRequest(f"{name} must be a number")
    return int(value)


def local_zone_name() -> str:
    """The server's zone in Frigate's URL form (`Europe,Berlin`), UTC when it cannot be told."""
    try:
        name = get_localzone_name()
    except Exception:  # tzlocal raises assorted errors on odd systems; UTC is the safe answer
        name = None
    return (name or "UTC").replace("/", ",")


async def plan_hour(
    context: AppContext, camera: str, year_month: str, day: str, hour: str, tz_name: str | None
) -> VodPlan:
    """The plan for one local hour of `camera`, with the zone's offset at that hour."""
    zone = tz_name if tz_name is not None else local_zone_name()
    start, end = timeranges.hour_range(
        year_month, _small_int(day, "day"), _small_int(hour, "hour"), zone
    )
    return await plan_range(context, camera, start, end)


def _load_event(event_id: str) -> Event | None:
    return Event.get_or_none(Event.id == event_id)


def _mark_without_clip(event_id: str) -> None:
    Event.update(has_clip=False).where(Event.id == event_id).execute()


async def load_event(context: AppContext, event_id: str) -> Event:
    """An event row by id, or 404 with Frigate's message."""
    if len(event_id) > 100:
        raise NotFound("Event not found.")
    event = await context.run_db(_load_event, event_id)
    if event is None:
        raise NotFound("Event not found.")
    return event


def event_range(event: Event, padding: int, now: float) -> tuple[float, float]:
    """Frigate's range of an event: padded on both sides; an open event runs to now."""
    start = float(event.start_time) - padding
    end = now if event.end_time is None else float(event.end_time) + padding
    return start, max(end, start + 0.001)


async def plan_event(context: AppContext, event: Event, padding: int) -> VodPlan:
    """The plan for an event padded on both sides (an open event runs to now).

    An event older than a few minutes with nothing recorded gets `has_clip` false, as Frigate
    meant to do (its check never fired).
    """
    now = context.clock.now()
    start, end = event_range(event, padding, now)
    try:
        return await plan_range(context, str(event.camera), start, end)
    except NotFound:
        if float(event.start_time) < now - EVENT_CLIP_GRACE_SECONDS and event.has_clip:
            await context.run_db(_mark_without_clip, str(event.id))
            logger.info("event %s has no recordings; marked has_clip false", event.id)
        raise
