"""The `/vod/...` URL forms resolved to one `VodRange`, by one set of rules for the mapping JSON,
built-in HLS and clips.

Forms: a range `{cam}/start/{s}/end/{e}`, a clip `clip/{cam}/start/{s}/end/{e}` (discontinuity
on), an event `event/{id}?padding=`, a local hour `{YYYY-MM}/{DD}/{HH}/{cam}` (the server's zone)
and an hour in a zone `.../{tz}`. Every form is bounded by `limits.clip_max_seconds` (400 beyond),
hours use the zone's offset at that hour, and malformed parts are 400 with the same messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tzlocal import get_localzone_name

from frigate_media.auth.identity import Identity
from frigate_media.context import AppContext
from frigate_media.errors import BadRequest, NotFound
from frigate_media.services import timeranges
from frigate_media.services.events.ranges import event_range
from frigate_media.services.events.records import VOD_EVENT, EventRecord, load_event
from frigate_media.services.recordings.vod import VodPlan, build_plan

MAX_DAY_HOUR_DIGITS = 2


@dataclass(frozen=True)
class VodRange:
    """What a `/vod/...` URL asks to play, once resolved and checked."""

    camera: str
    start: float
    end: float
    discontinuity: bool = False
    in_progress: bool = False  # open-ended (an event without an end): it runs until now
    event_id: str | None = None  # set for the event form


def range_of(
    camera: str, start: float, end: float, max_seconds: float, *, discontinuity: bool = False
) -> VodRange:
    """The range and clip forms: finite, ordered and at most `max_seconds` long (else 400)."""
    start, end = timeranges.time_range(start, end, max_seconds)
    return VodRange(camera, start, end, discontinuity=discontinuity)


def _day_or_hour(value: str, name: str) -> int:
    """A day or hour from the URL: one or two digits, else 400 (Frigate answers 500)."""
    if not value.isascii() or not value.isdigit() or len(value) > MAX_DAY_HOUR_DIGITS:
        raise BadRequest(f"{name} must be a number")
    return int(value)


def hour_of(
    camera: str, year_month: str, day: str, hour: str, tz_name: str, max_seconds: float
) -> VodRange:
    """The hour forms: one local hour of `tz_name` (URL form), with the offset at that hour."""
    start, end = timeranges.hour_range(
        year_month, _day_or_hour(day, "day"), _day_or_hour(hour, "hour"), tz_name
    )
    return range_of(camera, start, end, max_seconds)


def event_of(event: EventRecord, padding: int, now: float, max_seconds: float) -> VodRange:
    """The event form: the event padded on both sides; an open event runs until now."""
    start, end = event_range(event, padding, now)
    start, end = timeranges.time_range(start, end, max_seconds)
    return VodRange(event.camera, start, end, in_progress=event.end_time is None, event_id=event.id)


def local_zone_name(lookup: Callable[[], str | None] = get_localzone_name) -> str:
    """The server's zone in Frigate's URL form (`Europe,Berlin`), UTC when it cannot be told."""
    try:
        name = lookup()
    except Exception:  # tzlocal raises assorted errors on odd systems; UTC is the safe answer
        name = None
    return (name or "UTC").replace("/", ",")


def _max_seconds(context: AppContext) -> float:
    return context.config.limits.clip_max_seconds


def resolve_range(
    context: AppContext, camera: str, start: float, end: float, *, discontinuity: bool = False
) -> VodRange:
    """`{cam}/start/{s}/end/{e}` (and, with discontinuity, `clip/...`)."""
    return range_of(camera, start, end, _max_seconds(context), discontinuity=discontinuity)


def resolve_hour(
    context: AppContext,
    camera: str,
    year_month: str,
    day: str,
    hour: str,
    tz_name: str | None = None,
) -> VodRange:
    """`{YYYY-MM}/{DD}/{HH}/{cam}[/{tz}]`: without a zone, the server's (as Frigate)."""
    zone = tz_name if tz_name is not None else local_zone_name()
    return hour_of(camera, year_month, day, hour, zone, _max_seconds(context))


async def resolve_event(
    context: AppContext, identity: Identity, event_id: str, padding: int
) -> VodRange:
    """`event/{id}?padding=`: 404 `Event not found.`, then 403 for a camera not allowed."""
    event = await load_event(context, identity, event_id, VOD_EVENT)
    return event_of(event, padding, context.clock.now(), _max_seconds(context))


def plan_for(vod: VodRange, now: float) -> VodPlan:
    """The VOD plan of a resolved range; NotFound when nothing plays. Blocking (DB, probe)."""
    return build_plan(vod.camera, vod.start, vod.end, now=now, discontinuity=vod.discontinuity)


async def plan(context: AppContext, vod: VodRange) -> VodPlan:
    """The plan on a DB thread; an event with nothing recorded loses `has_clip` (404 stays)."""
    try:
        return await context.run_db(plan_for, vod, context.clock.now())
    except NotFound:
        if vod.event_id is not None:
            await context.unrecorded.mark(context, vod.event_id)
        raise
