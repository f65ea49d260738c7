"""Where an event's snapshot, clean copy and thumbnail live (Frigate's layout under clips/)."""

from __future__ import annotations

from pathlib import Path

from frigate_media.config import CAMERA_NAME_PATTERN
from frigate_media.services.events.records import ID_PATTERN
from frigate_media.storage.paths import MediaPaths


def _safe(camera: str, event_id: str) -> bool:
    # Both come from DB rows another process writes: check them before they name a file.
    return bool(CAMERA_NAME_PATTERN.match(camera) and ID_PATTERN.match(event_id)) and (
        ".." not in event_id
    )


def snapshot_jpg(paths: MediaPaths, camera: str, event_id: str) -> Path | None:
    """clips/<camera>-<id>.jpg: the annotated snapshot (seed writer, manual events)."""
    return paths.clips / f"{camera}-{event_id}.jpg" if _safe(camera, event_id) else None


def clean_webp(paths: MediaPaths, camera: str, event_id: str) -> Path | None:
    """clips/<camera>-<id>-clean.webp: the clean best frame."""
    return paths.clips / f"{camera}-{event_id}-clean.webp" if _safe(camera, event_id) else None


def clean_png(paths: MediaPaths, camera: str, event_id: str) -> Path | None:
    """clips/<camera>-<id>-clean.png: the legacy clean copy, read only."""
    return paths.clips / f"{camera}-{event_id}-clean.png" if _safe(camera, event_id) else None


def converted_clean_webp(camera: str, event_id: str) -> str | None:
    """<camera>-<id>-clean.webp in <scratch>/clean-snapshots: a legacy PNG converted by us, kept
    in our scratch (Frigate >= 0.17 converts on the fly and no longer writes the WebP back)."""
    return f"{camera}-{event_id}-clean.webp" if _safe(camera, event_id) else None


def is_converted_clean_webp(name: str) -> bool:
    """A file of the converted clean snapshots' directory."""
    return name.endswith("-clean.webp")


def thumbnail_webp(paths: MediaPaths, camera: str, event_id: str) -> Path | None:
    """clips/thumbs/<camera>/<id>.webp: the 175-px thumbnail."""
    return paths.thumbs / camera / f"{event_id}.webp" if _safe(camera, event_id) else None


def read_bytes(path: Path | None) -> bytes | None:
    """A file's bytes, or None when it is missing or unreadable. Blocking."""
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None
