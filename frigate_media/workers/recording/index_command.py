"""`frigate-media index [--config] [--camera C]`: adopt a recordings folder into the DB."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TextIO

from frigate_media.config import CAMERA_NAME_PATTERN, FrigateConfig
from frigate_media.errors import ConfigError
from frigate_media.storage.db import open_database
from frigate_media.storage.paths import MediaPaths
from frigate_media.workers.recording.indexer import index_recordings

BAR_WIDTH = 30
REDRAW_SECONDS = 0.1


class ProgressBar:
    """A one-line progress bar redrawn in place on a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._drawn = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._drawn < REDRAW_SECONDS:
            return
        self._drawn = now
        filled = BAR_WIDTH * done // max(total, 1)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stream.write(f"\rprobing [{bar}] {done}/{total}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = "Insert rows for recordings on disk that the database does not know."
    parser.add_argument("--camera", help="index only this camera's folders")


def run(args: argparse.Namespace, config: FrigateConfig) -> int:
    camera: str | None = args.camera
    if camera is not None and not CAMERA_NAME_PATTERN.match(camera):
        raise ConfigError("--camera: camera names must match ^[a-zA-Z0-9_-]+$")
    root = MediaPaths.from_config(config).recordings
    if not root.is_dir():
        print(f"frigate-media: no recordings folder at {root}", file=sys.stderr)
        return 1
    open_database(config.database.path)
    progress = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    report = index_recordings(root, camera=camera, progress=progress)
    print(
        f"indexed {root}{f' (camera {camera})' if camera else ''}: "
        f"{report.inserted} inserted, {report.present} already present, "
        f"{report.skipped_bad} skipped (unreadable or truncated), "
        f"{report.ignored} ignored (not Frigate's layout or symlinks)"
    )
    return 0
