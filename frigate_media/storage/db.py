"""Open a Frigate SQLite database: read-write the way Frigate's own processes do (standalone), or
read-only by SQLite itself (beside Frigate).

Read-only means a URI `mode=ro` connection with `PRAGMA query_only`: every INSERT, UPDATE, DELETE
or DDL raises `attempt to write a readonly database` in SQLite, wherever it comes from, and no
`journal_mode` pragma is sent (Frigate set WAL; asking for it is a write). Beside a stopped
Frigate, SQLite may create the `-wal`/`-shm` files it coordinates readers with; the database file
itself is never written.
"""

from __future__ import annotations

import logging
import sqlite3
from importlib import resources
from pathlib import Path
from urllib.parse import quote

import peewee
from peewee import SqliteDatabase

from frigate_media.errors import ConfigError
from frigate_media.storage.models import database_proxy

logger = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_SECONDS = 60
# What SQLite raises for a write on a read-only connection (peewee wraps it in its own type).
OPERATIONAL_ERRORS: tuple[type[Exception], ...] = (
    peewee.OperationalError,
    sqlite3.OperationalError,
)
READ_ONLY_REFUSAL = "attempt to write a readonly database"


def is_read_only_refusal(error: BaseException) -> bool:
    """True for SQLite refusing a write because the connection is read-only."""
    return isinstance(error, OPERATIONAL_ERRORS) and READ_ONLY_REFUSAL in str(error)


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


def open_database(path: str | Path, *, read_only: bool = False) -> SqliteDatabase:
    """Open (or create) the DB in WAL mode with a long busy timeout and bind the models to it.

    An existing Frigate DB is never migrated or altered; a new or empty file gets Frigate's schema.
    `read_only`: the file must exist with Frigate's tables, and SQLite refuses every write.
    """
    if read_only:
        return _open_read_only(Path(path))
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


def _open_read_only(db_path: Path) -> SqliteDatabase:
    if not _check_is_sqlite(db_path):
        raise ConfigError(
            f"database.path {db_path}: no database there (beside Frigate it is Frigate's, "
            "opened read-only, never created)"
        )
    db = SqliteDatabase(
        f"file:{quote(str(db_path.resolve()))}?mode=ro",
        uri=True,  # for sqlite3.connect: the name is a URI, `mode=ro` a read-only open
        pragmas={"query_only": 1, "busy_timeout": BUSY_TIMEOUT_SECONDS * 1000},
        timeout=BUSY_TIMEOUT_SECONDS,
        check_same_thread=False,
    )
    try:
        db.connect(reuse_if_open=True)
        tables = _table_names(db)
    except Exception as error:  # peewee wraps sqlite3 errors
        db.close()
        raise ConfigError(f"database.path {db_path}: cannot open read-only ({error})") from None
    missing = {"event", "recordings", "previews", "reviewsegment"} - tables
    if missing:
        db.close()
        raise ConfigError(f"database.path {db_path}: not Frigate's (no tables {sorted(missing)})")
    db.close()
    database_proxy.initialize(db)
    return db
