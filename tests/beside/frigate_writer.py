"""Frigate's writers, as a separate process beside frigate-media: its recorder files a segment and
inserts its `recordings` row every `interval` seconds, while its event processor updates event
rows many times a second, each on its own WAL connection (Frigate's pragmas and busy timeout).

`python -m tests.beside.frigate_writer <db> <recordings dir> <camera> <clip> <start> <count>
<interval>` prints the index of each segment once its row is committed, then `done`.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import string
import sys
import threading
import time
from pathlib import Path

from frigate_media.workers.recording.layout import recording_path

SEGMENT_SECONDS = 10.0
EVENT_UPDATES_PER_SECOND = 20


def connect(db: str) -> sqlite3.Connection:
    """A connection as Frigate's processes open one (WAL, synchronous NORMAL, 60 s timeout)."""
    connection = sqlite3.connect(db, timeout=60, isolation_level=None)
    connection.execute("PRAGMA journal_mode=wal")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def file_segment(clip: Path, target: Path) -> None:
    """Frigate's recorder moves a finished segment out of its cache into the recordings tree."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.copyfile(clip, staging)
    os.replace(staging, target)


def update_events(db: str, stop: threading.Event) -> None:
    """The event processor: short write transactions, all the time."""
    connection = connect(db)
    while not stop.is_set():
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("UPDATE event SET top_score = ? WHERE 1", (random.random(),))
        connection.execute("COMMIT")
        time.sleep(1 / EVENT_UPDATES_PER_SECOND)
    connection.close()


def main(argv: list[str]) -> int:
    db, recordings, camera, clip = argv[0], Path(argv[1]), argv[2], Path(argv[3])
    start, count, interval = float(argv[4]), int(argv[5]), float(argv[6])
    stop = threading.Event()
    events = threading.Thread(target=update_events, args=(db, stop), daemon=True)
    events.start()
    connection = connect(db)
    try:
        for index in range(count):
            time.sleep(interval)
            moment = start + index * SEGMENT_SECONDS
            target = recording_path(recordings, camera, moment)
            file_segment(clip, target)
            suffix = "".join(random.choices(string.ascii_lowercase + string.digits, k=6))
            connection.execute(
                "INSERT INTO recordings (id, camera, path, start_time, end_time, duration,"
                " objects, motion, segment_size, dBFS, regions) VALUES (?, ?, ?, ?, ?, ?,"
                " 1, 100, ?, 0, 0)",
                (
                    f"{moment}-{suffix}",
                    camera,
                    str(target),
                    moment,
                    moment + SEGMENT_SECONDS,
                    SEGMENT_SECONDS,
                    target.stat().st_size / 1_000_000,
                ),
            )
            print(index, flush=True)
    finally:
        stop.set()
        events.join(timeout=5)
        connection.close()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
