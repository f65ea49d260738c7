"""Event snapshots: the stored or rendered JPEG of an ended event, the live one of an ongoing
event, and the clean WebP copy."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from frigate_media import imaging
from frigate_media.auth.identity import Identity
from frigate_media.bounded import BoundedDirectory
from frigate_media.config import SnapshotsConfig, TimestampStyleConfig
from frigate_media.context import AppContext
from frigate_media.errors import BadRequest, Busy, NotFound
from frigate_media.services.events import files
from frigate_media.services.events.records import EventRecord, checked_id, find_event, load_event
from frigate_media.services.events.snapshot_render import SnapshotSettings, render, resolve_settings
from frigate_media.storage.paths import MediaPaths

logger = logging.getLogger(__name__)

CLEAN_WEBP_QUALITY = 60
DEFAULT_COLOR = (255, 255, 255)


@dataclass(frozen=True)
class EventImage:
    """Image bytes of an event, whether it has ended, and the time of the frame shown."""

    data: bytes
    ended: bool
    frame_time: float | None = None


@dataclass(frozen=True)
class SnapshotQuery:
    """The snapshot query parameters; None means "as the camera's snapshots config says"."""

    timestamp: int | None = None
    bbox: int | None = None
    crop: int | None = None
    height: int | None = None
    quality: int | None = None

    @property
    def is_default(self) -> bool:
        return all(
            value is None
            for value in (self.timestamp, self.bbox, self.crop, self.height, self.quality)
        )


def _camera_parts(
    context: AppContext, camera: str, label: str
) -> tuple[SnapshotsConfig, TimestampStyleConfig, tuple[int, int, int]]:
    # A camera removed from the config keeps its events: use the defaults (the seed 500s).
    camera_config = context.config.cameras.get(camera)
    snapshots = camera_config.snapshots if camera_config else SnapshotsConfig()
    style = camera_config.timestamp_style if camera_config else TimestampStyleConfig()
    color = context.config.model.colormap.get(label, DEFAULT_COLOR)
    return snapshots, style, (int(color[0]), int(color[1]), int(color[2]))


def _settings(snapshots: SnapshotsConfig, query: SnapshotQuery) -> SnapshotSettings:
    return resolve_settings(
        snapshots,
        timestamp=query.timestamp,
        bbox=query.bbox,
        crop=query.crop,
        height=query.height,
        quality=query.quality,
    )


def stored_snapshot(
    paths: MediaPaths,
    event: EventRecord,
    settings: SnapshotSettings,
    *,
    use_stored_jpg: bool,
    style: TimestampStyleConfig,
    color: tuple[int, int, int],
) -> bytes | None:
    """An ended event's JPEG from disk. Blocking (file reads, OpenCV).

    With no parameters the stored annotated `.jpg` is sent as is (the seed's behaviour);
    otherwise the clean copy is rendered with the parameters (Frigate's later behaviour).
    """
    jpg_path = files.snapshot_jpg(paths, event.camera, event.id)
    if use_stored_jpg:
        stored = files.read_bytes(jpg_path)
        if stored is not None:
            return stored
    for clean_path in (
        files.clean_webp(paths, event.camera, event.id),
        files.clean_png(paths, event.camera, event.id),
    ):
        data = files.read_bytes(clean_path)
        image = imaging.decode(data) if data else None
        if image is not None:
            return render(image, event, settings, clean=True, style=style, color=color)
    data = files.read_bytes(jpg_path)
    image = imaging.decode(data) if data else None
    if image is None:
        return None
    if settings.height is None and settings.quality is None:
        return data
    return render(image, event, settings, clean=False, style=style, color=color)


async def event_snapshot(
    context: AppContext, identity: Identity, event_id: str, query: SnapshotQuery
) -> EventImage:
    """The snapshot JPEG of an event; the camera is checked before anything is rendered."""
    event = await context.run_db(find_event, checked_id(event_id))
    if event is not None and event.ended:
        identity.require_camera(event.camera)
        if not event.has_snapshot:
            raise NotFound("Snapshot not available")
        return await _from_disk(context, event, query, ended=True)

    tracked = context.tracked.find(event_id)
    if tracked is not None:
        identity.require_camera(tracked.camera)
        snapshots, _, _ = _camera_parts(context, tracked.camera, "")
        settings = _settings(snapshots, query)
        data, frame_time = await asyncio.to_thread(
            tracked.get_img_bytes,
            "jpg",
            settings.timestamp,
            settings.bounding_box,
            settings.crop,
            settings.height,
            settings.quality,
        )
        if data is None:
            raise NotFound("Live frame not available")
        return EventImage(data, ended=False, frame_time=frame_time)

    if event is None:
        raise NotFound("Event not found")
    # In progress but not tracked here (another process tracks it): its clean copy, if any.
    identity.require_camera(event.camera)
    if not event.has_snapshot:
        raise NotFound("Snapshot not available")
    try:
        return await _from_disk(context, event, query, ended=False)
    except NotFound:
        raise NotFound("Live frame not available") from None


async def _from_disk(
    context: AppContext, event: EventRecord, query: SnapshotQuery, *, ended: bool
) -> EventImage:
    snapshots, style, color = _camera_parts(context, event.camera, event.label)
    settings = _settings(snapshots, query)
    data = await asyncio.to_thread(
        stored_snapshot,
        context.paths,
        event,
        settings,
        use_stored_jpg=query.is_default,
        style=style,
        color=color,
    )
    if data is None:
        raise NotFound(f"Snapshot file for event {event.id} not found")
    return EventImage(data, ended=ended, frame_time=event.snapshot_frame_time)


def stored_clean_webp(
    paths: MediaPaths, converted: BoundedDirectory, event: EventRecord
) -> bytes | None:
    """The clean WebP from disk, else a legacy PNG converted once and kept in `converted` (our
    scratch under its cap, never next to the PNG: Frigate's media is not ours to write).
    Blocking."""
    data = files.read_bytes(files.clean_webp(paths, event.camera, event.id))
    if data is not None:
        return data
    name = files.converted_clean_webp(event.camera, event.id)
    data = _read_kept(converted, name)
    if data is not None:
        return data
    png = files.read_bytes(files.clean_png(paths, event.camera, event.id))
    if png is None:
        return None
    image = imaging.decode(png)
    if image is None:
        raise BadRequest("Unable to load clean snapshot for event")
    try:
        data = imaging.encode(image, "webp", CLEAN_WEBP_QUALITY)
    except Exception:
        raise BadRequest("Unable to convert snapshot to webp") from None
    if name is not None:
        _keep(converted, name, data, event.id)
    return data


def _read_kept(converted: BoundedDirectory, name: str | None) -> bytes | None:
    """A converted copy kept earlier (now the most recently used), or None. Blocking."""
    lease = converted.pin(name) if name is not None else None
    if lease is None:
        return None
    try:
        return files.read_bytes(lease.path)
    finally:
        lease.release()


def _keep(converted: BoundedDirectory, name: str, data: bytes, event_id: str) -> None:
    """Keep a converted copy, room made first; one that cannot be kept is still served. Blocking."""
    try:
        with converted.reserve(len(data)) as reservation:
            reservation.write_bytes(name, data)
    except (Busy, OSError) as error:
        logger.warning("could not keep the converted clean copy of %s: %s", event_id, error)


async def clean_snapshot(context: AppContext, identity: Identity, event_id: str) -> EventImage:
    """The clean WebP copy of an event's snapshot (the live one while it is tracked)."""
    event = await load_event(context, identity, event_id)
    camera = context.config.cameras.get(event.camera)
    if camera is None or not camera.snapshots.enabled or not event.has_snapshot:
        raise NotFound("Snapshots must be enabled in the config")
    if not event.ended:
        tracked = context.tracked.find(event.id)
        if tracked is not None:
            live = await asyncio.to_thread(tracked.get_clean_webp)
            if live is not None:
                return EventImage(live, ended=False)
    data = await asyncio.to_thread(stored_clean_webp, context.paths, context.clean_snapshots, event)
    if data is None:
        raise NotFound("Clean snapshot not available")
    return EventImage(data, ended=event.ended)
