"""Static media under the media dir (`/recordings`, `/clips`, `/exports`): safe paths, owners.

Who may read a file follows Frigate's `media_auth` rules, derived from the path: recordings
`<date>/<hour>/<camera>/...`; clips `<camera>-<event id>...`, `thumbs/<camera>/...`,
`previews/<camera>/...`, `review/thumb-<camera>-...`; exports by their DB row. Roles limited
to some cameras are refused anything that resolves to no camera they may see (an unknown
camera, a multi-camera folder, an admin-only subtree such as `clips/faces` or
`clips/genai-requests`). Both the path asked for and the file's real path (symlinks resolved,
which must stay under its root) must pass.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from frigate_media.auth.identity import Identity
from frigate_media.config import FrigateConfig
from frigate_media.context import AppContext
from frigate_media.errors import BadRequest, Forbidden, NotFound
from frigate_media.storage.models import Export
from frigate_media.storage.paths import MediaPaths

MAX_PATH_CHARS = 1024
ROOTS = ("recordings", "clips", "exports")
# Folders of clips/ that are Frigate's alone, named before any `<camera>-...` file name is read
# (a camera called `genai` must not own `clips/genai-requests`).
ADMIN_ONLY_CLIPS = ("faces", "genai-requests", "preview_restart_cache")


class Owner(Enum):
    """How a media path is owned."""

    CAMERA = "camera"
    ADMIN_ONLY = "admin_only"
    MULTI_CAMERA = "multi_camera"
    NEUTRAL = "neutral"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class StaticFile:
    """A file that may be served: where it is, its stat, and the root it was found under."""

    path: Path
    stat: os.stat_result
    root: str


def safe_parts(relative: str) -> list[str]:
    """The path's segments (once percent-decoded, as the server hands it over), read the way
    Frigate's media auth reads them.

    A `.` or `..` segment, however it was written (`%2E%2E`, with `%2F` separators), is 403 for
    every role, admins included (Frigate since 0.17). Empty segments (a leading or doubled `/`,
    from `%2F` too) are dropped, as nginx merges slashes. NULs, backslashes, unprintable and
    overlong paths are 400 (Frigate's nginx refuses or mis-serves those; we never serve them).
    """
    if len(relative) > MAX_PATH_CHARS:
        raise BadRequest("Path too long")
    if "\\" in relative or "\x00" in relative:
        raise BadRequest("Invalid path")
    parts = [part for part in relative.split("/") if part]
    if any(part in (".", "..") for part in parts):
        raise Forbidden("Path traversal is not allowed")
    if any(not part.isprintable() for part in parts):
        raise BadRequest("Invalid path")
    return parts


def _camera_by_prefix(name: str, config: FrigateConfig) -> str | None:
    """The configured camera a flat name `<camera>-...` starts with; the longest name wins."""
    for camera in sorted(config.cameras, key=len, reverse=True):
        if name.startswith(camera + "-"):
            return camera
    return None


def clip_owner(parts: list[str], config: FrigateConfig) -> tuple[Owner, str | None]:
    if not parts:
        return Owner.MULTI_CAMERA, None
    first = parts[0]
    if first in ("thumbs", "previews"):
        return (Owner.CAMERA, parts[1]) if len(parts) >= 2 else (Owner.MULTI_CAMERA, None)
    if first == "review":
        if len(parts) == 2 and parts[1].startswith("thumb-"):
            camera = _camera_by_prefix(parts[1].removeprefix("thumb-"), config)
            return (Owner.CAMERA, camera) if camera else (Owner.UNKNOWN, None)
        return Owner.MULTI_CAMERA, None
    if first in ADMIN_ONLY_CLIPS or (len(parts) >= 2 and parts[1] in ("train", "dataset")):
        return Owner.ADMIN_ONLY, None
    if len(parts) == 1:
        camera = _camera_by_prefix(first, config)
        return (Owner.CAMERA, camera) if camera else (Owner.UNKNOWN, None)
    return Owner.ADMIN_ONLY, None


def recording_owner(parts: list[str]) -> tuple[Owner, str | None]:
    if len(parts) <= 1:
        return Owner.NEUTRAL, None
    if len(parts) == 2:
        return Owner.MULTI_CAMERA, None
    return Owner.CAMERA, parts[2]


def _export_camera(file_name: str) -> str | None:
    query: Any = Export.select(Export.camera, Export.video_path).tuples()
    rows: list[tuple[str, str]] = list(query)
    for camera, video_path in rows:
        if os.path.basename(str(video_path)) == file_name:
            return str(camera)
    return None


def export_owner(parts: list[str]) -> tuple[Owner, str | None]:
    if not parts:
        return Owner.MULTI_CAMERA, None
    if len(parts) != 1:
        return Owner.UNKNOWN, None
    camera = _export_camera(parts[0])
    return (Owner.CAMERA, camera) if camera else (Owner.UNKNOWN, None)


def owner_of(root: str, parts: list[str], config: FrigateConfig) -> tuple[Owner, str | None]:
    """Who owns `/<root>/<parts...>`. Blocking for exports (a DB lookup)."""
    if root == "recordings":
        return recording_owner(parts)
    if root == "clips":
        return clip_owner(parts, config)
    return export_owner(parts)


def check_access(identity: Identity, owner: Owner, camera: str | None) -> None:
    """Frigate's media_auth decision, closed for limited roles wherever no camera is known."""
    if identity.sees_all_cameras or owner is Owner.NEUTRAL:
        return
    if owner is Owner.CAMERA and camera is not None:
        identity.require_camera(camera)
        return
    raise Forbidden("Access denied to this media path")


def root_dir(paths: MediaPaths, root: str) -> Path:
    return {"recordings": paths.recordings, "clips": paths.clips, "exports": paths.exports}[root]


def _locate(paths: MediaPaths, root: str, parts: list[str]) -> StaticFile:
    base = root_dir(paths, root).resolve()
    candidate = base.joinpath(*parts)
    try:
        resolved = candidate.resolve(strict=True)
    except (FileNotFoundError, NotADirectoryError):
        raise NotFound("File not found") from None
    except (OSError, RuntimeError):
        raise BadRequest("Invalid path") from None
    if not resolved.is_relative_to(base):
        raise Forbidden("Access denied to this media path")
    try:
        stat = resolved.stat()
    except OSError:
        raise NotFound("File not found") from None
    if not resolved.is_file():
        raise NotFound("File not found")
    return StaticFile(resolved, stat, root)


def _resolve(
    paths: MediaPaths, config: FrigateConfig, identity: Identity, root: str, relative: str
) -> StaticFile:
    parts = safe_parts(relative)
    owner, camera = owner_of(root, parts, config)
    check_access(identity, owner, camera)
    found = _locate(paths, root, parts)
    if not identity.sees_all_cameras:
        # A symlink names one camera and shows another's file: the file decides. Its own path
        # under the root (symlinks resolved) must pass the same check.
        real_parts = list(found.path.relative_to(root_dir(paths, root).resolve()).parts)
        real_owner, real_camera = owner_of(root, real_parts, config)
        check_access(identity, real_owner, real_camera)
    return found


async def static_file(
    context: AppContext, identity: Identity, root: str, relative: str
) -> StaticFile:
    """The file at `/<root>/<relative>` if this identity may read it (400/403/404 otherwise).

    Checked in Frigate's order: the path's form (traversal 403 for everyone), then who owns it,
    then whether the file exists.
    """
    if root not in ROOTS:
        raise NotFound("File not found")
    return await context.run_db(_resolve, context.paths, context.config, identity, root, relative)
