"""Retention: delete recordings older than `record.retain.days`, file first, then its row.

A segment overlapping an event marked `retain_indefinitely` is never deleted. A row whose file
is already gone (say, a crash between the two steps) is removed on the next pass. Only files
inside the recordings directory are ever unlinked. Blocking: run on a DB thread.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from peewee import fn

from frigate_media.storage.models import Event, Recordings, database_proxy

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
SECONDS_PER_DAY = 86400.0


@dataclass
class RetentionResult:
    """What one retention pass did."""

    deleted: int = 0
    failed: int = 0


def _inside(path: Path, root: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(root)
    except ValueError:
        return False
    return True


def _expired_batch(camera: str, cutoff: float, after: tuple[float, str]) -> list[Recordings]:
    retained = Event.select(Event.id).where(
        Event.camera == camera,
        Event.retain_indefinitely == True,  # noqa: E712 (peewee expression)
        Event.start_time <= Recordings.end_time,
        Event.end_time.is_null() | (Event.end_time >= Recordings.start_time),
    )
    start, last_id = after
    return list(
        Recordings.select(Recordings.id, Recordings.path, Recordings.start_time)
        .where(
            Recordings.camera == camera,
            Recordings.end_time < cutoff,
            (Recordings.start_time > start)
            | ((Recordings.start_time == start) & (Recordings.id > last_id)),
            ~fn.EXISTS(retained),
        )
        .order_by(Recordings.start_time, Recordings.id)
        .limit(BATCH_SIZE)
    )


def _remove_empty_dirs(directories: set[Path], root: Path) -> None:
    """Remove emptied camera/hour/date folders, walking up but never past the root."""
    for directory in sorted(directories, key=lambda d: len(d.parts), reverse=True):
        current = directory
        while current != root and _inside(current, root):
            try:
                current.rmdir()
            except OSError:
                break  # not empty (or already gone by another path): stop walking up
            current = current.parent


def delete_expired(camera: str, cutoff: float, recordings_root: Path) -> RetentionResult:
    """Delete one camera's segments that ended before `cutoff` and no retained event needs."""
    root = Path(os.path.realpath(recordings_root))
    result = RetentionResult()
    after: tuple[float, str] = (float("-inf"), "")
    emptied: set[Path] = set()
    while True:
        batch = _expired_batch(camera, cutoff, after)
        if not batch:
            break
        after = (batch[-1].start_time, batch[-1].id)
        gone: list[str] = []
        for row in batch:
            path = Path(row.path)
            if not _inside(path.parent, root):
                logger.warning("retention: %s is outside %s; left alone", path, root)
                result.failed += 1
                continue
            try:
                path.unlink(missing_ok=True)
            except OSError as error:
                logger.error("retention: cannot delete %s: %s", path, error)
                result.failed += 1
                continue
            gone.append(row.id)
            emptied.add(path.parent)
        if gone:
            with database_proxy.atomic():
                Recordings.delete().where(Recordings.id.in_(gone)).execute()
        result.deleted += len(gone)
    _remove_empty_dirs(emptied, root)
    return result


def apply_retention(
    retain_days: Mapping[str, float], recordings_root: Path, now: float
) -> RetentionResult:
    """One pass over every camera with a retention period (days > 0)."""
    total = RetentionResult()
    for camera, days in retain_days.items():
        if days <= 0:
            continue
        result = delete_expired(camera, now - days * SECONDS_PER_DAY, recordings_root)
        if result.deleted or result.failed:
            logger.info(
                "retention for %s: deleted %d segments older than %g days (%d failed)",
                camera,
                result.deleted,
                days,
                result.failed,
            )
        total.deleted += result.deleted
        total.failed += result.failed
    return total
