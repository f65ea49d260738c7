"""Frigate's own response headers, spelled once: X-Frame-Time, X-Frigate-Offline, downloads.

They describe what was sent, not how long it may be kept, so the routes add them (the cache
module never does), from facts the services return. Their bytes are Frigate's: clients read them.
"""

from __future__ import annotations

from urllib.parse import quote


def offline() -> dict[str, str]:
    """The latest frame is the offline camera's newest preview frame (not the error image)."""
    return {"X-Frigate-Offline": "true"}


def event_frame_time(seconds: float | None) -> dict[str, str]:
    """An event image's frame time as Frigate writes it: `str(float)`, `0` when unknown."""
    return {"X-Frame-Time": str(seconds if seconds is not None else 0)}


def recorded_frame_time(seconds: float) -> dict[str, str]:
    """The time of the recorded frame actually returned, to the microsecond."""
    return {"X-Frame-Time": f"{seconds:.6f}"}


def snapshot_download(file_name: str) -> dict[str, str]:
    """Frigate's snapshot download: the file name unquoted (`filename=snapshot-<id>.jpg`)."""
    return {"Content-Disposition": f"attachment; filename={file_name}"}


def file_download(file_name: str) -> dict[str, str]:
    """A file download as Starlette's FileResponse writes it: quoted, RFC 5987 when it must be."""
    encoded = quote(file_name)
    if encoded != file_name:
        return {"Content-Disposition": f"attachment; filename*=utf-8''{encoded}"}
    return {"Content-Disposition": f'attachment; filename="{file_name}"'}


def preview_file(file_name: str, *, behind_frigate_nginx: bool) -> dict[str, str]:
    """`preview.mp4`'s headers; behind Frigate's nginx, `X-Accel-Redirect` to its /cache/ alias."""
    headers = {"Content-Description": "File Transfer", **file_download(file_name)}
    if behind_frigate_nginx:
        headers["X-Accel-Redirect"] = f"/cache/{file_name}"
    return headers
