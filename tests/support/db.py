"""Real SQLite files with Frigate's DDL, and rows inserted the way Frigate writes them."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import string
from pathlib import Path
from typing import Any

from frigate_media.storage.db import frigate_schema_sql
from frigate_media.workers.recording.layout import recording_path


def create_frigate_db(path: Path) -> Path:
    """An SQLite file made with Frigate's exact DDL (as its migrations would leave it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    connection.executescript(frigate_schema_sql())
    connection.execute("PRAGMA journal_mode=wal")
    connection.commit()
    connection.close()
    return path


def random_suffix() -> str:
    return "".join(random.choices(string.ascii_lowercase + string.digits, k=6))


def insert(db_path: Path, table: str, row: dict[str, Any]) -> None:
    values = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in row.items()}
    columns = ", ".join(f'"{c}"' for c in values)
    marks = ", ".join("?" for _ in values)
    connection = sqlite3.connect(db_path, timeout=30)
    with connection:
        connection.execute(
            f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', list(values.values())
        )
    connection.close()


def insert_user(
    db_path: Path,
    username: str,
    role: str,
    password_hash: str = "pbkdf2_sha256$1000$salt$not-a-digest",
    **fields: Any,
) -> None:
    """A row of Frigate's `user` table (the default hash matches no password)."""
    row: dict[str, Any] = {
        "username": username,
        "role": role,
        "password_hash": password_hash,
        "notification_tokens": [],
    }
    row.update(fields)
    insert(db_path, "user", row)


def insert_event(
    db_path: Path, camera: str, start: float, end: float | None = None, **fields: Any
) -> str:
    """An event row with Frigate's id format `<start>-<6 random>` and its NOT NULL columns."""
    event_id = fields.pop("id", f"{start}-{random_suffix()}")
    row: dict[str, Any] = {
        "id": event_id,
        "label": "person",
        "camera": camera,
        "start_time": start,
        "end_time": end,
        "top_score": 0.8,
        "score": 0.8,
        "false_positive": 0,
        "zones": [],
        "thumbnail": None,
        "has_clip": 1,
        "has_snapshot": 1,
        "region": [0, 0, 1, 1],
        "box": [0.1, 0.1, 0.3, 0.5],
        "area": 1000,
        "retain_indefinitely": 0,
        "sub_label": None,
        "data": {"box": [0.1, 0.1, 0.3, 0.5], "score": 0.8, "type": "object"},
    }
    row.update(fields)
    insert(db_path, "event", row)
    return str(event_id)


def add_recording(
    db_path: Path,
    recordings_dir: Path,
    camera: str,
    start: float,
    source: Path,
    duration: float,
    **fields: Any,
) -> Path:
    """Copy (hard-link when possible) `source` into Frigate's layout and insert its row."""
    target = recording_path(recordings_dir, camera, start)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        try:
            target.hardlink_to(source)
        except OSError:
            shutil.copyfile(source, target)
    row: dict[str, Any] = {
        "id": f"{start}-{random_suffix()}",
        "camera": camera,
        "path": str(target),
        "start_time": start,
        "end_time": start + duration,
        "duration": duration,
        "objects": 0,
        "motion": 0,
        "segment_size": target.stat().st_size / 1_000_000,
        "dBFS": 0,
        "regions": 0,
    }
    row.update(fields)
    insert(db_path, "recordings", row)
    return target
