"""Media types of event images (the pixels themselves are `frigate_media/imaging.py`'s)."""

from __future__ import annotations

MIME_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def mime_type(ext: str) -> str:
    return MIME_TYPES[ext]
