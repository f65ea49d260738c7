"""A small, complete Frigate world for two cameras: every kind of row and file a route can serve.

Camera A (`front`) and camera B (`back`) each get recordings, an event with its snapshot,
clean copy and thumbnail, a review segment, an hourly preview, live preview frames, a region
grid and an export, in Frigate's exact layout, so each route has something real to serve and
the access matrix can ask for camera B's media by every path.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.support.db import add_recording, create_frigate_db, insert, insert_event, insert_user
from tests.support.media import make_image

CAMERA_A = "front"
CAMERA_B = "back"
CAMERAS = (CAMERA_A, CAMERA_B)
# 2024-06-21 20:00:00 UTC: a fixed past hour, so nothing is "in progress".
BASE_TIME = 1719000000.0
SEGMENT_SECONDS = 10.0
SEGMENTS = 3


@dataclass
class CameraMedia:
    """What the world holds for one camera (ids, times and the files written)."""

    camera: str
    event_id: str
    review_id: str
    export_id: str
    preview_frame: str
    recording_files: list[Path] = field(default_factory=list)
    static_paths: list[str] = field(default_factory=list)  # relative to the media dir

    @property
    def start(self) -> float:
        return BASE_TIME

    @property
    def end(self) -> float:
        return BASE_TIME + SEGMENT_SECONDS * SEGMENTS

    @property
    def event_start(self) -> float:
        return BASE_TIME + 2

    @property
    def event_end(self) -> float:
        return BASE_TIME + 8


TESTER_ROLES = ("admin", "viewer", "front_only")  # a user `tester-<role>` each


@dataclass
class World:
    """Both cameras' media under one root; `media[camera]` gives a camera's ids and files."""

    root: Path
    db_path: Path
    media_dir: Path
    cache_dir: Path
    cameras: dict[str, CameraMedia]

    def __getitem__(self, camera: str) -> CameraMedia:
        return self.cameras[camera]


def hour_parts(timestamp: float) -> tuple[str, str, str]:
    """Frigate's VOD hour URL parts (`YYYY-MM`, `DD`, `HH`) for a UTC moment."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return moment.strftime("%Y-%m"), moment.strftime("%d"), moment.strftime("%H")


def build_world(root: Path, clip: Path, preview_clip: Path) -> World:
    """Write the DB rows and files for both cameras under `root` (the test config's layout)."""
    db_path = create_frigate_db(root / "config" / "frigate.db")
    media_dir, cache_dir = root / "media", root / "cache"
    clips, frames = media_dir / "clips", cache_dir / "preview_frames"
    world = World(root, db_path, media_dir, cache_dir, {})
    for role in TESTER_ROLES:  # tokens are accepted only for existing users
        insert_user(db_path, f"tester-{role}", role)
    image = make_image(root / "generated" / "frame.jpg", 640, 360)
    webp = make_image(root / "generated" / "frame.webp", 640, 360)
    thumb = make_image(root / "generated" / "thumb.webp", 175, 175)
    small_webp = make_image(root / "generated" / "preview.webp", 320, 180)
    for camera in CAMERAS:
        event_id = f"{BASE_TIME + 2}-{camera[:2]}0001"
        media = CameraMedia(
            camera=camera,
            event_id=event_id,
            review_id=f"{BASE_TIME + 2}-rv{camera[:2]}01",
            export_id=f"{camera}_exp001",
            preview_frame=f"preview_{camera}-{time.time() - 5:.6f}.webp",
        )
        for index in range(SEGMENTS):
            path = add_recording(
                db_path,
                media_dir / "recordings",
                camera,
                BASE_TIME + index * SEGMENT_SECONDS,
                clip,
                SEGMENT_SECONDS,
                motion=100,
                objects=1,
            )
            media.recording_files.append(path)
        insert_event(
            db_path,
            camera,
            media.event_start,
            media.event_end,
            id=event_id,
            data={"box": [0.1, 0.1, 0.3, 0.5], "score": 0.8, "top_score": 0.8, "type": "object"},
        )
        snapshot = _link(image, clips / f"{camera}-{event_id}.jpg")
        clean = _link(webp, clips / f"{camera}-{event_id}-clean.webp")
        thumbnail = _link(thumb, clips / "thumbs" / camera / f"{event_id}.webp")
        review_thumb = _link(thumb, clips / "review" / f"thumb-{camera}-{media.review_id}.webp")
        insert(
            db_path,
            "reviewsegment",
            {
                "id": media.review_id,
                "camera": camera,
                "start_time": media.event_start,
                "end_time": media.event_end,
                "severity": "alert",
                "thumb_path": str(review_thumb),
                "data": {"detections": [event_id], "objects": ["person"], "zones": []},
            },
        )
        preview = _link(
            preview_clip, clips / "previews" / camera / f"{media.start}-{media.start + 60}.mp4"
        )
        insert(
            db_path,
            "previews",
            {
                "id": f"{camera}_{media.start + 60}",
                "camera": camera,
                "path": str(preview),
                "start_time": media.start,
                "end_time": media.start + 60,
                "duration": 60,
            },
        )
        # Live preview frames (current hour) a few seconds apart, newest last.
        now = time.time()
        for age in (25.0, 15.0, 5.0):
            _link(small_webp, frames / f"preview_{camera}-{now - age:.6f}.webp")
        media.preview_frame = f"preview_{camera}-{now - 5:.6f}.webp"
        insert(db_path, "regions", {"camera": camera, "last_update": now, "grid": _grid()})
        export_file = _link(clip, media_dir / "exports" / f"{media.export_id}.mp4")
        insert(
            db_path,
            "export",
            {
                "id": media.export_id,
                "camera": camera,
                "name": f"{camera} export",
                "date": media.start,
                "video_path": str(export_file),
                "thumb_path": str(thumbnail),
                "in_progress": 0,
            },
        )
        for path in (media.recording_files[0], snapshot, clean, thumbnail, preview, export_file):
            media.static_paths.append(str(path.relative_to(media_dir)))
        world.cameras[camera] = media
    return world


def _link(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        try:
            target.hardlink_to(source)
        except OSError:
            target.write_bytes(source.read_bytes())
    return target


def _grid() -> list[list[dict[str, Any]]]:
    """An 8×8 region grid as Frigate stores it (`[x][y]` cells of relative sizes)."""
    cell = {"sizes": [0.1, 0.12], "std_dev": 0.01, "mean": 0.11}
    return [[dict(cell) for _ in range(8)] for _ in range(8)]
