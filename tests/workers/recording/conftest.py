"""Fixtures for recording tests: a camera fed by a live lavfi source, and DB helpers."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

LAVFI_CAMERA: dict[str, Any] = {
    "ffmpeg": {
        "inputs": [
            {
                "path": "testsrc2=size=320x240:rate=5",
                "input_args": "-re -f lavfi",
                "roles": ["record"],
            }
        ],
        "output_args": {
            "record": "-c:v libx264 -preset ultrafast -tune zerolatency -g 5 -keyint_min 5 "
            "-sc_threshold 0 -pix_fmt yuv420p -threads 1"
        },
        "retry_interval": 1,
    },
    "record": {"enabled": True, "retain": {"days": 1}},
}


def recording_rows(db_path: Path, camera: str | None = None) -> list[dict[str, Any]]:
    """Every recordings row (optionally for one camera), oldest first."""
    connection = sqlite3.connect(db_path, timeout=30)
    connection.row_factory = sqlite3.Row
    try:
        query = "SELECT * FROM recordings"
        params: tuple[str, ...] = ()
        if camera is not None:
            query += " WHERE camera = ?"
            params = (camera,)
        rows = connection.execute(query + " ORDER BY start_time", params).fetchall()
    finally:
        connection.close()
    return [dict(row) for row in rows]


@pytest.fixture
def lavfi_camera() -> dict[str, Any]:
    """A config override: camera `front` records a real-time synthetic source."""
    return {"cameras": {"front": LAVFI_CAMERA}}
