"""The on-disk segment cache: files named by a key that changes with the source and the cut.

The files live in a `BoundedDirectory` (its byte cap holds before each write; a segment being
served is never evicted); segments unused for the configured hours are expired as well.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from frigate_media.bounded import BoundedDirectory, Lease
from frigate_media.file_identity import FileIdentity
from frigate_media.hls.remux import Cut

logger = logging.getLogger(__name__)

FORMAT_VERSION = "1"  # bump when the cutting changes, so old cache files are never served


class SegmentCache:
    """`<key>.m4s` (media) and `<key>.init` (ftyp+moov) files in one bounded directory."""

    def __init__(self, files: BoundedDirectory, *, max_age_seconds: float) -> None:
        self.files = files
        self.max_age_seconds = max_age_seconds

    @property
    def directory(self) -> Path:
        return self.files.directory

    @staticmethod
    def key(cut: Cut) -> str:
        """Path, size and mtime of the recording plus the cut points: any change, a new key."""
        source = FileIdentity.of(cut.path)
        material = "|".join(
            (
                FORMAT_VERSION,
                source.path,
                str(source.size),
                str(source.mtime_ns),
                repr(cut.start_offset),
                repr(cut.duration),
                repr(cut.timeline_offset),
                str(cut.audio),
            )
        )
        return hashlib.sha256(material.encode()).hexdigest()[:40]

    @staticmethod
    def media_name(key: str) -> str:
        return f"{key}.m4s"

    @staticmethod
    def init_name(key: str) -> str:
        return f"{key}.init"

    def pin(self, name: str) -> Lease | None:
        """Hold a cached file while it is served; None when it is not cached."""
        return self.files.pin(name)

    def store(self, key: str, init: bytes, media: bytes) -> None:
        """Reserve room for both parts, then write each atomically. Blocking; Busy (503) when
        the cap cannot take them."""
        with self.files.reserve(len(init) + len(media)) as reservation:
            reservation.write_bytes(self.init_name(key), init)
            reservation.write_bytes(self.media_name(key), media)

    def expire(self, now: float) -> int:
        """Remove segments unused for longer than the age limit (those being served stay)."""
        removed = self.files.expire(unused_before=now - self.max_age_seconds)
        if removed:
            logger.info("expired %d HLS cache files", removed)
        return removed
