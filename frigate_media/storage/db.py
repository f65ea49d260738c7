"""Open a Frigate SQLite database (existing or new) the way Frigate's own processes do."""

from __future__ import annotations

import logging
import sqlite3
from importlib import resources
from pathlib import Path

from peewee import SqliteDatabase

from frigate_media.errors import ConfigError
from frigate_media.storage.models import database_proxy

logger = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_SECONDS = 60


def frigate_schema_sql() -> str:
    """Frigate's exact DDL, as its migrations produce it."""
    return resources.files("frigate_media.storage").joinpath("frigate-schema.sql").read_text()


def _check_is_sqlite(path: Path) -> bool:
    """True when the file exists with content; raise when that content is not SQLite."""
    if not path.exists() or path.stat().st_size == 0:
        return False
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise ConfigError(f"database.path {path} is not an SQLite database")
    return True


def _table_names(db: SqliteDatabase) -> set[str]:
    return {str(name) for name in db.get_tables()}


def open_database(path: str | Path) -> SqliteDatabase:
    """Open (or create) the DB in WAL mode with a long busy timeout and bind the models to it.

    An existing Frigate DB is never migrated or altered; a new or empty file gets Frigate's schema.
    """
    db_path = Path(path)
    existed = _check_is_sqlite(db_path)
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"database.path {path}: {error.strerror}") from None
    db = SqliteDatabase(
        str(db_path),
        pragmas={
            "journal_mode": "wal",
            "busy_timeout": BUSY_TIMEOUT_SECONDS * 1000,
            "synchronous": "NORMAL",
        },
        timeout=BUSY_TIMEOUT_SECONDS,
        check_same_thread=False,
    )
    try:
        db.connect(reuse_if_open=True)
        tables = _table_names(db)
    except (sqlite3.DatabaseError, Exception) as error:  # peewee wraps sqlite3 errors
        db.close()
        raise ConfigError(f"database.path {path}: cannot open ({error})") from None
    if not tables:
        if existed:
            logger.info("database %s has no tables; creating Frigate's schema", db_path)
        connection: sqlite3.Connection = db.connection()  # type: ignore[no-untyped-call]
        connection.executescript(frigate_schema_sql())
    else:
        missing = {"event", "recordings", "previews", "reviewsegment"} - tables
        if missing:
            logger.warning("database %s lacks Frigate tables %s", db_path, sorted(missing))
    db.close()
    database_proxy.initialize(db)
    return db
