"""Opening Frigate databases: existing files keep their schema and rows; new ones get the DDL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from frigate_media.errors import ConfigError
from frigate_media.storage.db import open_database
from frigate_media.storage.models import Event, Recordings
from tests.support.db import create_frigate_db, insert, insert_event


def schema_of(path: Path) -> list[tuple[str, str]]:
    connection = sqlite3.connect(path)
    rows = connection.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
    connection.close()
    return rows


def test_an_existing_frigate_db_opens_and_its_rows_read_back(tmp_path: Path) -> None:
    path = create_frigate_db(tmp_path / "frigate.db")
    event_id = insert_event(
        path,
        "front",
        1_700_000_000.5,
        1_700_000_010.25,
        data={"box": [0.1, 0.2, 0.3, 0.4], "score": 0.91, "type": "object"},
    )
    insert(
        path,
        "recordings",
        {
            "id": "1700000000.0-abc123",
            "camera": "front",
            "path": "/media/frigate/recordings/x.mp4",
            "start_time": 1_700_000_000.0,
            "end_time": 1_700_000_010.0,
            "duration": 10.0,
            "motion": 3,
            "objects": 0,
            "segment_size": 1.5,
        },
    )
    before = schema_of(path)
    db = open_database(path)
    event = Event.get_by_id(event_id)
    assert event.start_time == 1_700_000_000.5
    assert event.end_time == 1_700_000_010.25
    assert event.data["score"] == 0.91
    assert event.has_clip is True
    assert Recordings.get().duration == 10.0
    db.close()
    assert schema_of(path) == before


def test_a_new_file_gets_frigates_exact_schema(tmp_path: Path) -> None:
    reference = create_frigate_db(tmp_path / "reference.db")
    db = open_database(tmp_path / "new" / "frigate.db")
    db.close()
    assert schema_of(tmp_path / "new" / "frigate.db") == schema_of(reference)


def test_the_db_is_opened_in_wal_mode_with_a_long_busy_timeout(tmp_path: Path) -> None:
    db = open_database(tmp_path / "frigate.db")
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 60_000
    db.close()


def test_a_file_that_is_not_sqlite_is_a_clear_config_error(tmp_path: Path) -> None:
    path = tmp_path / "frigate.db"
    path.write_text("this is not a database")
    with pytest.raises(ConfigError, match="not an SQLite database"):
        open_database(path)
