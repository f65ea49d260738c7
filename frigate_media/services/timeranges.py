"""Time values from URLs: finite floats, ordered and bounded ranges, hours in a time zone."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta

import pytz

from frigate_media.errors import BadRequest, NotFound

YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# Epoch seconds before 2000 or after 2200 are not recordings anyone has.
EARLIEST, LATEST = 946_684_800.0, 7_258_118_400.0


def finite_time(value: float, name: str) -> float:
    """A timestamp that is a real, plausible number of epoch seconds."""
    if not math.isfinite(value):
        raise BadRequest(f"{name} must be a finite number of seconds")
    if value < 0 or value > LATEST:
        raise BadRequest(f"{name} is out of range")
    return value


def time_range(start: float, end: float, max_seconds: float | None = None) -> tuple[float, float]:
    """[start, end] with start < end, both finite, and at most `max_seconds` long."""
    finite_time(start, "start_ts")
    finite_time(end, "end_ts")
    if start >= end:
        raise BadRequest("start_ts must be before end_ts")
    if max_seconds is not None and end - start > max_seconds:
        raise BadRequest(f"The range may be at most {max_seconds:g} seconds long")
    return start, end


def zone_from_url(tz_name: str) -> pytz.BaseTzInfo:
    """A time zone from Frigate's URL form (`America,New_York`; `utc` in any case)."""
    name = tz_name.replace(",", "/")
    if name.lower() == "utc":
        return pytz.utc
    try:
        return pytz.timezone(name)
    except (pytz.UnknownTimeZoneError, ValueError):
        raise BadRequest(f"Unknown time zone: {tz_name[:64]}") from None


def hour_range(year_month: str, day: int, hour: int, tz_name: str) -> tuple[float, float]:
    """Epoch [start, end] of one local hour, using the zone's offset at that hour (DST-correct).

    A local hour skipped by a DST change does not exist, so nothing was recorded in it (404).
    A repeated hour (fall back) means its first occurrence.
    """
    match = YEAR_MONTH.match(year_month)
    if match is None:
        raise BadRequest("year_month must look like YYYY-MM")
    year, month = int(match.group(1)), int(match.group(2))
    zone = zone_from_url(tz_name)
    try:
        naive = datetime(year, month, day, hour)
    except ValueError:
        raise BadRequest("Invalid date or hour") from None
    try:
        local = zone.localize(naive, is_dst=None)
    except pytz.AmbiguousTimeError:
        local = zone.localize(naive, is_dst=True)
    except pytz.NonExistentTimeError:
        raise NotFound("That local hour does not exist (daylight saving change)") from None
    start = local.timestamp()
    end = start + timedelta(hours=1).total_seconds() - 0.001
    return start, end
