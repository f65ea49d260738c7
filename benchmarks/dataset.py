"""The benchmark dataset: a Frigate-schema DB of ~1M recordings rows plus real media in Frigate's layout.

`build_dataset(root, spec)` makes (or reuses, when `root/manifest.json` matches the spec) :
- `config/frigate.db` with Frigate's exact DDL: `recordings` rows of `segment_seconds` for every
  camera over `days`, events with snapshot files, one `previews` row;
- `media/recordings/<UTC date>/<HH>/<cam>/<MM>.<SS>.mp4` for the last `real_seconds` of the first
  camera: hard links of a small pool of distinct H.264 clips encoded by ffmpeg;
- `media/clips/<cam>-<id>.jpg`, `-clean.webp`, `thumbs/<cam>/<id>.webp` for every event;
- `media/clips/previews/<cam>/<start>-<end>.mp4`: a real 180 px preview for the last hour.
Every other row names a file that does not exist: the DB-only scenarios never open it.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from frigate_media.ffmpeg.binary import resolve_ffmpeg
from frigate_media.storage.db import frigate_schema_sql

MANIFEST = "manifest.json"
DATASET_VERSION = 2
ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
PREVIEW_HEIGHT = 180  # Frigate's PREVIEW_HEIGHT
# Real segment times are never whole seconds; whole ones would be stored as INTEGER (NUMERIC affinity).
START_FRACTION = 0.125
THUMB_HEIGHT = 175  # Frigate's event thumbnail height


@dataclass(frozen=True)
class DatasetSpec:
    """What to generate. The defaults are the full benchmark (4 cameras × 30 days ≈ 1M rows)."""

    cameras: tuple[str, ...] = ("bench1", "bench2", "bench3", "bench4")
    days: float = 30.0
    segment_seconds: int = 10
    real_seconds: int = 86400  # the last day of the first camera points at real files
    pool_size: int = 6
    width: int = 1280
    height: int = 720
    fps: int = 5
    gop_seconds: float = 2.0
    events_per_camera: int = 50
    preview_seconds: int = 3600
    version: int = DATASET_VERSION

    @property
    def real_camera(self) -> str:
        return self.cameras[0]

    def rows_per_camera(self) -> int:
        return int(self.days * 86400) // self.segment_seconds


@dataclass
class Dataset:
    """Where a generated dataset lives and the times the scenarios aim at."""

    root: Path
    spec: DatasetSpec
    end_time: float  # exclusive end of every camera's recordings (an UTC hour boundary)
    start_time: float
    real_start: float  # the first camera's real files cover [real_start, end_time)
    preview_start: float
    preview_end: float
    event_ids: list[str] = field(default_factory=list)
    build_seconds: float = 0.0
    insert_seconds: float = 0.0
    recordings_rows: int = 0

    @property
    def db_path(self) -> Path:
        return self.root / "config" / "frigate.db"

    @property
    def media(self) -> Path:
        return self.root / "media"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["root"] = str(self.root)
        data["spec"] = asdict(self.spec)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Dataset:
        spec_data = dict(data["spec"])
        spec_data["cameras"] = tuple(spec_data["cameras"])
        values = dict(data)
        values["root"] = Path(values["root"])
        values["spec"] = DatasetSpec(**spec_data)
        return cls(**values)


def frigate_id(seconds: float, serial: int) -> str:
    """Frigate's id shape `<epoch float>-<6 [a-z0-9]>`, unique through `serial`."""
    suffix = []
    for _ in range(6):
        serial, digit = divmod(serial, len(ID_ALPHABET))
        suffix.append(ID_ALPHABET[digit])
    return f"{float(seconds)}-{''.join(reversed(suffix))}"


def _ffmpeg(*args: str) -> None:
    subprocess.run(
        [resolve_ffmpeg("default"), "-hide_banner", "-loglevel", "error", "-y", *args],
        check=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )


def _make_pool(pool: Path, spec: DatasetSpec) -> list[Path]:
    """`pool_size` distinct recordings (consecutive stretches of testsrc2), encoded once."""
    pool.mkdir(parents=True, exist_ok=True)
    gop = max(1, round(spec.gop_seconds * spec.fps))
    clips = []
    for index in range(spec.pool_size):
        target = pool / f"segment-{index}.mp4"
        if not target.exists():
            part = target.with_suffix(".part.mp4")
            # `-ss 0` on lavfi drops the first frame: seek only for the later stretches.
            seek = ["-ss", str(index * spec.segment_seconds)] if index else []
            _ffmpeg(
                *seek,
                "-f", "lavfi", "-i", f"testsrc2=size={spec.width}x{spec.height}:rate={spec.fps}",
                "-t", str(spec.segment_seconds),
                "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-pix_fmt", "yuv420p",
                "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0", "-bf", "0",
                "-movflags", "+faststart", "-f", "mp4", str(part),
            )  # fmt: skip
            part.rename(target)
        clips.append(target)
    return clips


def _make_images(pool: Path, spec: DatasetSpec) -> dict[str, Path]:
    """One annotated snapshot (JPEG), one clean copy (WebP q60), one thumbnail (WebP 175 px)."""
    source = f"testsrc2=size={spec.width}x{spec.height}:rate=1"
    images = {
        "snapshot": (pool / "snapshot.jpg", ["-q:v", "4"]),
        "clean": (pool / "clean.webp", ["-quality", "60"]),
        "thumb": (pool / "thumb.webp", ["-vf", f"scale=-2:{THUMB_HEIGHT}", "-quality", "60"]),
    }
    for path, options in images.values():
        if not path.exists():
            _ffmpeg("-f", "lavfi", "-i", source, "-frames:v", "1", *options, str(path))
    return {name: path for name, (path, _) in images.items()}


def _make_preview(pool: Path, spec: DatasetSpec) -> Path:
    """A preview like Frigate's: 180 px tall, about one frame a second, real-time timestamps."""
    target = pool / "preview.mp4"
    if not target.exists():
        width = round(spec.width * PREVIEW_HEIGHT / spec.height / 2) * 2
        part = target.with_suffix(".part.mp4")
        _ffmpeg(
            "-f", "lavfi", "-i", f"testsrc2=size={width}x{PREVIEW_HEIGHT}:rate=1",
            "-t", str(spec.preview_seconds),
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "30", "-pix_fmt", "yuv420p",
            "-movflags", "+faststart", "-f", "mp4", str(part),
        )  # fmt: skip
        part.rename(target)
    return target


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except FileExistsError:
        pass
    except OSError:
        shutil.copyfile(source, target)


def _recording_rows(
    dataset: Dataset, pool: list[Path], camera_index: int, camera: str
) -> Iterator[tuple[Any, ...]]:
    """Every row of one camera in start order; the real window gets hard-linked files."""
    spec = dataset.spec
    recordings = dataset.media / "recordings"
    step = spec.segment_seconds
    sizes = [clip.stat().st_size / 1_000_000 for clip in pool]
    serial = camera_index * spec.rows_per_camera()
    hour_dir: Path | None = None
    hour_start = -1
    start = int(dataset.start_time)
    for index in range(spec.rows_per_camera()):
        moment = start + index * step
        if moment // 3600 != hour_start:
            hour_start = moment // 3600
            hour_dir = recordings / datetime.fromtimestamp(moment, tz=UTC).strftime("%Y-%m-%d/%H")
            hour_dir = hour_dir / camera
        assert hour_dir is not None
        minute, second = divmod(moment % 3600, 60)
        path = hour_dir / f"{minute:02d}.{second:02d}.mp4"
        pool_index = index % len(pool)
        if camera == spec.real_camera and moment >= dataset.real_start:
            path.parent.mkdir(parents=True, exist_ok=True)
            _link(pool[pool_index], path)
        yield (
            frigate_id(moment + START_FRACTION, serial + index),
            camera,
            str(path),
            moment + START_FRACTION,
            moment + step + START_FRACTION,
            float(step),
            index % 7,  # objects
            index % 11,  # motion
            sizes[pool_index],
            -40 + index % 5,  # dBFS
            index % 3,  # regions
        )


def _insert_recordings(connection: sqlite3.Connection, dataset: Dataset, pool: list[Path]) -> int:
    total = 0
    sql = (
        'INSERT INTO "recordings" ("id", "camera", "path", "start_time", "end_time", "duration",'
        ' "objects", "motion", "segment_size", "dBFS", "regions") VALUES (?,?,?,?,?,?,?,?,?,?,?)'
    )
    for camera_index, camera in enumerate(dataset.spec.cameras):
        cursor = connection.executemany(sql, _recording_rows(dataset, pool, camera_index, camera))
        total += cursor.rowcount
    return total


def _insert_events(
    connection: sqlite3.Connection, dataset: Dataset, images: dict[str, Path]
) -> None:
    """Evenly spread events over each camera's real window, with their three image files."""
    spec = dataset.spec
    clips = dataset.media / "clips"
    span = dataset.end_time - dataset.real_start
    rows = []
    for camera_index, camera in enumerate(spec.cameras):
        (clips / "thumbs" / camera).mkdir(parents=True, exist_ok=True)
        for number in range(spec.events_per_camera):
            start = dataset.real_start + span * (number + 0.5) / (spec.events_per_camera + 1)
            start = round(start, 6)
            event_id = frigate_id(start, camera_index * 100_000 + number)
            box = [0.1, 0.1, 0.3, 0.5]
            data = {"box": box, "region": [0, 0, 1, 1], "score": 0.8, "top_score": 0.85}
            data["type"] = "object"
            rows.append(
                (event_id, "person", camera, start, start + 20.0, 0.85, 0, "[]", None, 1, 1,
                 "[0, 0, 1, 1]", json.dumps(box), 5000, 0, None, 0.8, json.dumps(data))
            )  # fmt: skip
            _link(images["snapshot"], clips / f"{camera}-{event_id}.jpg")
            _link(images["clean"], clips / f"{camera}-{event_id}-clean.webp")
            _link(images["thumb"], clips / "thumbs" / camera / f"{event_id}.webp")
            dataset.event_ids.append(event_id)
    connection.executemany(
        'INSERT INTO "event" ("id", "label", "camera", "start_time", "end_time", "top_score",'
        ' "false_positive", "zones", "thumbnail", "has_clip", "has_snapshot", "region", "box",'
        ' "area", "retain_indefinitely", "sub_label", "score", "data")'
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )


def _insert_preview(connection: sqlite3.Connection, dataset: Dataset, preview: Path) -> None:
    camera = dataset.spec.real_camera
    start, end = dataset.preview_start, dataset.preview_end
    folder = dataset.media / "clips" / "previews" / camera
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{start}-{end}.mp4"
    _link(preview, target)
    connection.execute(
        'INSERT INTO "previews" ("id", "camera", "path", "start_time", "end_time", "duration")'
        " VALUES (?,?,?,?,?,?)",
        (f"{camera}_{end}", camera, str(target), start, end, end - start),
    )


def load_manifest(root: Path, spec: DatasetSpec) -> Dataset | None:
    """The dataset already under `root` when it was built from this very spec."""
    try:
        data = json.loads((root / MANIFEST).read_text())
        dataset = Dataset.from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if dataset.spec != spec or dataset.root != root or not dataset.db_path.exists():
        return None
    return dataset


def build_dataset(
    root: Path, spec: DatasetSpec | None = None, *, now: float | None = None
) -> Dataset:
    """Generate the dataset under `root`, or return the one already there for the same spec."""
    spec = spec or DatasetSpec()
    root = root.resolve()
    existing = load_manifest(root, spec)
    if existing is not None:
        return existing
    began = time.monotonic()
    for stale in ("config", "media", "cache", "pool", MANIFEST):
        path = root / stale
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    end = math.floor((now if now is not None else time.time()) / 3600) * 3600
    rows = spec.rows_per_camera()
    dataset = Dataset(
        root=root,
        spec=spec,
        end_time=float(end),
        start_time=float(end - rows * spec.segment_seconds),
        real_start=float(end - min(spec.real_seconds, rows * spec.segment_seconds)),
        preview_start=float(end - spec.preview_seconds),
        preview_end=float(end),
    )
    pool_dir = root / "pool"
    pool = _make_pool(pool_dir, spec)
    images = _make_images(pool_dir, spec)
    preview = _make_preview(pool_dir, spec)
    dataset.db_path.parent.mkdir(parents=True, exist_ok=True)
    dataset.cache.mkdir(parents=True, exist_ok=True)
    (dataset.media / "clips" / "thumbs").mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(dataset.db_path)
    try:
        connection.executescript(frigate_schema_sql())
        # Generation only: no journal, no fsync. Frigate's WAL mode is set once the data is in.
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        inserting = time.monotonic()
        with connection:
            dataset.recordings_rows = _insert_recordings(connection, dataset, pool)
            _insert_events(connection, dataset, images)
            _insert_preview(connection, dataset, preview)
        dataset.insert_seconds = time.monotonic() - inserting
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()
    dataset.build_seconds = time.monotonic() - began
    (root / MANIFEST).write_text(json.dumps(dataset.to_json(), indent=2))
    return dataset
