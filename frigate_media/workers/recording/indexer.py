"""Adopting a recordings folder: insert rows for the segments in Frigate's layout the DB lacks.

The walk never follows a symlink (file or folder), so nothing outside the tree is read; names
that are not Frigate's layout are counted and left alone; unreadable or truncated files are
logged, counted and not inserted. Existing rows are never touched. Blocking: a CLI job.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from peewee import chunked

from frigate_media.config import CAMERA_NAME_PATTERN
from frigate_media.errors import MediaError
from frigate_media.ffmpeg.probe import probe
from frigate_media.storage.models import Recordings, database_proxy
from frigate_media.workers.recording.layout import (
    DATE_DIR,
    HOUR_DIR,
    MAX_SEGMENT_DURATION,
    new_recording_id,
    segment_size_mb,
    start_from_layout,
)
from frigate_media.workers.recording.mp4 import read_boxes

logger = logging.getLogger(__name__)

# 11 columns per row stays under SQLite's oldest limit of 999 bound variables per statement.
INSERT_CHUNK = 80
PROBE_WORKERS = 4
LAYOUT_DEPTH = 4  # <date>/<HH>/<camera>/<MM.SS.mp4>

Progress = Callable[[int, int], None]


@dataclass
class IndexReport:
    """Counts from one indexing run."""

    inserted: int = 0
    present: int = 0
    skipped_bad: int = 0
    ignored: int = 0


@dataclass(frozen=True)
class FoundSegment:
    """A file whose path names a camera and a start time in Frigate's layout."""

    path: Path
    camera: str
    start: float

    @property
    def key(self) -> tuple[str, ...]:
        return self.path.parts[-LAYOUT_DEPTH:]


class _Walker:
    """Lists Frigate's layout under a root without following symlinks."""

    def __init__(self, root: Path, camera: str | None, report: IndexReport) -> None:
        self.root = root
        self.camera = camera
        self.report = report

    def _entries(self, directory: Path) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(directory) as listing:
                return sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            logger.warning("cannot list %s: %s", directory, error)
            self.report.ignored += 1
            return []

    def _directories(
        self, directory: Path, pattern: re.Pattern[str], *, cameras: bool = False
    ) -> Iterator[str]:
        for entry in self._entries(directory):
            if cameras and self.camera is not None and entry.name != self.camera:
                continue  # another camera's folder: not ours to count
            if entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
                self._ignore(entry, "not a plain folder")
            elif not pattern.match(entry.name):
                self._ignore(entry, "not a folder name of Frigate's layout")
            else:
                yield entry.name

    def _ignore(self, entry: os.DirEntry[str], why: str) -> None:
        logger.debug("ignoring %s: %s", entry.path, why)
        self.report.ignored += 1

    def segments(self) -> Iterator[FoundSegment]:
        for date in self._directories(self.root, DATE_DIR):
            for hour in self._directories(self.root / date, HOUR_DIR):
                hour_dir = self.root / date / hour
                for camera in self._directories(hour_dir, CAMERA_NAME_PATTERN, cameras=True):
                    yield from self._files(hour_dir / camera, date, hour, camera)

    def _files(self, directory: Path, date: str, hour: str, camera: str) -> Iterator[FoundSegment]:
        for entry in self._entries(directory):
            start = start_from_layout(date, hour, entry.name)
            if entry.is_symlink() or not entry.is_file(follow_symlinks=False):
                self._ignore(entry, "not a plain file")
            elif start is None:
                self._ignore(entry, "not a segment name of Frigate's layout")
            else:
                yield FoundSegment(Path(entry.path), camera, start)


def _existing_keys() -> set[tuple[str, ...]]:
    """Rows already present, keyed by their layout tail so a moved media root still matches."""
    cursor = database_proxy.execute_sql("SELECT path FROM recordings")
    return {PurePath(str(path)).parts[-LAYOUT_DEPTH:] for (path,) in cursor}


def _row_for(segment: FoundSegment) -> dict[str, Any]:
    """The recordings row for a readable segment; raises ValueError for a bad one."""
    try:
        boxes = read_boxes(segment.path)
        size = segment.path.stat().st_size
    except OSError as error:
        raise ValueError(f"unreadable: {error.strerror}") from None
    if not boxes.complete:
        raise ValueError("truncated or incomplete MP4")
    try:
        info = probe(str(segment.path))
    except MediaError as error:
        raise ValueError(error.message) from None
    if info.video_codec is None:
        raise ValueError("no video stream")
    if not 0 < info.duration < MAX_SEGMENT_DURATION:
        raise ValueError(f"implausible duration {info.duration:.3f} s")
    return {
        "id": new_recording_id(segment.start),
        "camera": segment.camera,
        "path": str(segment.path),
        "start_time": segment.start,
        "end_time": segment.start + info.duration,
        "duration": info.duration,
        "motion": 0,
        "objects": 0,
        "regions": 0,
        "dBFS": 0,
        "segment_size": segment_size_mb(size),
    }


def _checked(segment: FoundSegment) -> dict[str, Any] | str:
    try:
        return _row_for(segment)
    except ValueError as error:
        return str(error)


def _insert(rows: list[dict[str, Any]]) -> int:
    inserted = 0
    with database_proxy.atomic():
        for chunk in chunked(rows, INSERT_CHUNK):
            # A row the live recorder inserted meanwhile wins: ignore the conflict.
            query = Recordings.insert_many(chunk).on_conflict_ignore().as_rowcount()
            inserted += int(query.execute())
    return inserted


def index_recordings(
    root: Path,
    *,
    camera: str | None = None,
    progress: Progress | None = None,
    workers: int = PROBE_WORKERS,
) -> IndexReport:
    """Insert the missing rows for every segment under `root` (optionally one camera's)."""
    report = IndexReport()
    found = list(_Walker(root, camera, report).segments())
    existing = _existing_keys()
    missing = [segment for segment in found if segment.key not in existing]
    report.present = len(found) - len(missing)
    rows: list[dict[str, Any]] = []
    with ThreadPoolExecutor(max(1, workers), thread_name_prefix="index") as pool:
        for done, (segment, result) in enumerate(
            zip(missing, pool.map(_checked, missing), strict=True), start=1
        ):
            if isinstance(result, str):
                logger.warning("skipping %s: %s", segment.path, result)
                report.skipped_bad += 1
            else:
                rows.append(result)
            if len(rows) >= INSERT_CHUNK * 10:
                report.inserted += _insert(rows)
                rows.clear()
            if progress is not None:
                progress(done, len(missing))
    if rows:
        report.inserted += _insert(rows)
    return report
