"""The on-disk segment cache: files named by a key that changes with the source and the cut."""

from __future__ import annotations

import hashlib
import logging
import os
import time
from pathlib import Path

from frigate_media.file_identity import FileIdentity
from frigate_media.hls.remux import Cut

logger = logging.getLogger(__name__)

FORMAT_VERSION = "1"  # bump when the cutting changes, so old cache files are never served
TOUCH_AFTER_SECONDS = 60.0  # refresh a hit's mtime (the LRU clock) at most this often
PRUNE_GRACE_SECONDS = 60.0  # never delete a file this fresh: it may be being served


class SegmentCache:
    """`<key>.m4s` (media) and `<key>.init` (ftyp+moov) files under one directory."""

    def __init__(self, directory: Path, *, max_bytes: int, max_age_seconds: float) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.max_age_seconds = max_age_seconds

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

    def media_path(self, key: str) -> Path:
        return self.directory / f"{key}.m4s"

    def init_path(self, key: str) -> Path:
        return self.directory / f"{key}.init"

    def lookup(self, path: Path) -> bool:
        """True when `path` is cached; refreshes its LRU time now and then."""
        try:
            stat = path.stat()
        except OSError:
            return False
        now = time.time()
        if now - stat.st_mtime > TOUCH_AFTER_SECONDS:
            try:
                os.utime(path)
            except OSError:
                return False
        return True

    def store(self, key: str, init: bytes, media: bytes) -> None:
        """Write both parts atomically (temp file + rename). Blocking."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for target, data in ((self.init_path(key), init), (self.media_path(key), media)):
            temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            try:
                temporary.write_bytes(data)
                os.replace(temporary, target)
            finally:
                temporary.unlink(missing_ok=True)

    def prune(self) -> int:
        """Delete files older than the age limit, then the least recent beyond the size limit."""
        try:
            entries = [
                (entry.stat().st_mtime, entry.stat().st_size, Path(entry.path))
                for entry in os.scandir(self.directory)
                if entry.is_file()
            ]
        except OSError:
            return 0
        now = time.time()
        entries.sort()
        total = sum(size for _, size, _ in entries)
        removed = 0
        for mtime, size, path in entries:
            age = now - mtime
            if age < PRUNE_GRACE_SECONDS:
                break
            if age <= self.max_age_seconds and total <= self.max_bytes:
                break
            try:
                path.unlink()
            except OSError:
                continue
            total -= size
            removed += 1
        if removed:
            logger.info("pruned %d HLS cache files", removed)
        return removed
