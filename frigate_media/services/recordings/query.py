"""The two questions every recordings route asks: which recording covers t; which overlap [s, e].

Both queries bound `start_time` from below by the longest segment Frigate writes, so SQLite walks
the (camera, start_time) index range instead of every row of the camera: the cost stays flat as
retention grows.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from frigate_media.storage.models import Recordings

# Frigate's MAX_SEGMENT_DURATION: no segment is longer, so one covering t starts after t - this.
MAX_SEGMENT_SECONDS = 600.0


class Recording(NamedTuple):
    """One recorded segment file and its place in time (a tuple: cheap to build by the thousand)."""

    path: str
    start_time: float
    end_time: float
    duration: float


def _row(row: Recordings) -> Recording:
    return Recording(
        path=str(row.path),
        start_time=float(row.start_time),
        end_time=float(row.end_time),
        duration=float(row.duration),
    )


def _fields() -> tuple[object, ...]:
    return (
        Recordings.path,
        Recordings.start_time,
        Recordings.end_time,
        Recordings.duration,
    )


def _covering(camera: str, moment: float) -> Recording | None:
    row = (
        Recordings.select(*_fields())
        .where(
            (Recordings.camera == camera)
            & (Recordings.start_time >= moment - MAX_SEGMENT_SECONDS)
            & (Recordings.start_time <= moment)
            & (Recordings.end_time >= moment)
        )
        .order_by(Recordings.start_time.desc())
        .limit(1)
        .first()
    )
    return _row(row) if row is not None else None


def recording_at(camera: str, moment: float) -> Recording | None:
    """The recording covering `moment`; like Frigate, retry once with ceil(moment). Blocking."""
    found = _covering(camera, moment)
    if found is None and math.ceil(moment) != moment:
        found = _covering(camera, math.ceil(moment))
    return found


def overlapping_query(camera: str, start: float, end: float) -> object:
    """The peewee query for recordings overlapping [start, end], in start order."""
    return (
        Recordings.select(*_fields())
        .where(
            (Recordings.camera == camera)
            & (Recordings.start_time > start - MAX_SEGMENT_SECONDS)
            & (Recordings.start_time <= end)
            & (Recordings.end_time >= start)
        )
        .order_by(Recordings.start_time.asc())
    )


def overlapping(camera: str, start: float, end: float) -> list[Recording]:
    """Recordings that overlap [start, end] (touching counts, as in Frigate), by start time."""
    query: Any = overlapping_query(camera, start, end)
    # Straight off the cursor: peewee's per-row wrappers cost 3x the query itself at 24 h of
    # 10-s segments (8640 rows). DATETIME has NUMERIC affinity, so whole seconds come back as ints.
    sql, params = query.sql()
    rows = Recordings._meta.database.execute_sql(sql, params).fetchall()
    return [
        Recording(path, float(start_), float(end_), float(duration))
        for path, start_, end_, duration in rows
    ]
