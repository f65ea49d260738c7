"""What formats are called on the wire: the image `Extension` path type and the one MIME map.

Services speak in formats (`jpg`, `webp`, `mp4`: a domain fact, since they encode, decode and
name files by it); the MIME string is HTTP's label for a format, so it lives here, once.
"""

from __future__ import annotations

import mimetypes
from enum import StrEnum
from pathlib import PurePath

# Format (a file extension without its dot) -> Content-Type.
MEDIA_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "mp4": "video/mp4",
    "m4s": "video/mp4",
    "m3u8": "application/vnd.apple.mpegurl",
    "json": "application/json",
}
FALLBACK = "application/octet-stream"


class Extension(StrEnum):
    """The image formats a route may be asked for (`latest.<ext>`, `thumbnail.<ext>`)."""

    webp = "webp"
    png = "png"
    jpg = "jpg"
    jpeg = "jpeg"


def of_format(image_format: str) -> str:
    """The Content-Type of a format the services produce (KeyError for one they never do)."""
    return MEDIA_TYPES[image_format]


def of_file(name: str | PurePath) -> str:
    """The Content-Type of a file by its name: ours first, then the system's guess."""
    path = PurePath(name)
    known = MEDIA_TYPES.get(path.suffix.lower().removeprefix("."))
    return known or mimetypes.guess_type(path.name)[0] or FALLBACK
