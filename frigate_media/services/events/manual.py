"""Manual events (Frigate's event API, used by Home Assistant): create, end, end by duration.

Files come first, rows second: the clean copy and thumbnail are written (temp + rename) before
the row that says the event has a snapshot, and the annotated JPEG before the row says it ended.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
import string
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from frigate_media import imaging
from frigate_media.auth.identity import Identity
from frigate_media.config import CameraConfig
from frigate_media.context import AppContext
from frigate_media.errors import BadRequest, NotFound
from frigate_media.frames.processor import FrameProcessor
from frigate_media.frames.yuv import to_bgr
from frigate_media.services.events import files
from frigate_media.services.events.records import EventRecord, checked_id, checked_label, find_event
from frigate_media.services.events.snapshot_render import SnapshotSettings, finite_box, render
from frigate_media.services.recordings.query import overlapping
from frigate_media.storage.atomic import write_atomic
from frigate_media.storage.models import Event

logger = logging.getLogger(__name__)

THUMBNAIL_HEIGHT = 175
WEBP_QUALITY = 60
DEFAULT_SIZE = (1280, 720)
MAX_DURATION = 86400 * 7
MAX_PRE_CAPTURE = 3600
# `draw` is stored in the event's row and read by every client of the events API: bounded, and
# JSON every reader can parse (no NaN or Infinity).
MAX_DRAW_BOXES = 32
MAX_DRAW_BYTES = 16 * 1024


@dataclass
class ManualEventRequest:
    """Frigate's EventsCreateBody, already validated."""

    sub_label: str | None = None
    score: float = 0.0
    duration: int | None = 30
    include_recording: bool = True
    draw: dict[str, Any] = field(default_factory=dict)
    pre_capture: int | None = None


def _check_request(body: ManualEventRequest) -> None:
    if not math.isfinite(body.score) or body.score < 0:
        raise BadRequest("score must be a finite number >= 0")
    if body.duration is not None and not 0 < body.duration <= MAX_DURATION:
        raise BadRequest(f"duration must be between 1 and {MAX_DURATION} seconds, or null")
    if body.pre_capture is not None and not 0 <= body.pre_capture <= MAX_PRE_CAPTURE:
        raise BadRequest(f"pre_capture must be between 0 and {MAX_PRE_CAPTURE} seconds")
    check_draw(body.draw)


def check_draw(draw: dict[str, Any]) -> None:
    """400 unless `draw` is small, finite JSON whose boxes are [x, y, w, h] within the frame
    (relative: 0 to 1), colours three numbers from 0 to 255 and scores finite numbers."""
    try:
        encoded = json.dumps(draw, allow_nan=False)
    except ValueError:
        raise BadRequest("draw must hold finite numbers only (no NaN or Infinity)") from None
    if len(encoded) > MAX_DRAW_BYTES:
        raise BadRequest(f"draw is too large (at most {MAX_DRAW_BYTES} bytes of JSON)")
    boxes = draw.get("boxes")
    if boxes is None:
        return
    if not isinstance(boxes, list):
        raise BadRequest("draw.boxes must be a list")
    if len(boxes) > MAX_DRAW_BOXES:
        raise BadRequest(f"draw.boxes may hold at most {MAX_DRAW_BOXES} boxes")
    for entry in boxes:
        if not isinstance(entry, dict):
            raise BadRequest("each of draw.boxes must be an object")
        box = entry.get("box")
        if box is not None and not _numbers(box, 4, 0.0, 1.0):
            raise BadRequest("draw box must be [x, y, w, h], each from 0 to 1 of the frame")
        color = entry.get("color")
        if color is not None and not _numbers(color, 3, 0.0, 255.0):
            raise BadRequest("draw box color must be [r, g, b], each from 0 to 255")
        score = entry.get("score")
        if score is not None and not _numbers([score], 1, 0.0, 100.0):
            raise BadRequest("draw box score must be a number from 0 to 100")


def _numbers(value: Any, count: int, low: float, high: float) -> bool:
    """`value` is a list of `count` numbers (not booleans), each within [low, high]."""
    if not isinstance(value, list) or len(value) != count:
        return False
    return all(
        isinstance(v, int | float) and not isinstance(v, bool) and low <= v <= high for v in value
    )


def _new_id(now: float) -> str:
    suffix = "".join(random.choices(string.ascii_lowercase + string.digits, k=6))
    return f"{now}-{suffix}"


def _first_box(camera: CameraConfig, draw: dict[str, Any]) -> tuple[int, int, int, int] | None:
    boxes = draw.get("boxes")
    if not isinstance(boxes, list) or not boxes or not isinstance(boxes[0], dict):
        return None
    values = finite_box(boxes[0].get("box"))
    if values is None:
        return None
    x, y, w, h = values
    width, height = camera.detect.width or DEFAULT_SIZE[0], camera.detect.height or DEFAULT_SIZE[1]
    return (int(x * width), int(y * height), int((x + w) * width), int((y + h) * height))


def _live_frame(frames: FrameProcessor, camera: CameraConfig) -> tuple[imaging.Image, float] | None:
    """The camera's newest frame as BGR and its time, or None before the first frame."""
    frame = frames.current_frame(camera.name)
    if frame is None:
        return None
    return np.ascontiguousarray(to_bgr(frame.data)), frame.time


def _black(camera: CameraConfig) -> imaging.Image:
    width, height = camera.detect.width or DEFAULT_SIZE[0], camera.detect.height or DEFAULT_SIZE[1]
    return imaging.black(width, height)


def write_clean_and_thumbnail(
    context: AppContext, camera: str, event_id: str, image: imaging.Image
) -> bool:
    """The clean WebP and the 175-px thumbnail WebP, each atomically. Blocking."""
    clean_path = files.clean_webp(context.paths, camera, event_id)
    thumb_path = files.thumbnail_webp(context.paths, camera, event_id)
    if clean_path is None or thumb_path is None:
        return False
    write_atomic(clean_path, imaging.encode(image, "webp", WEBP_QUALITY))
    thumbnail = imaging.resize_to_height(image, THUMBNAIL_HEIGHT)
    write_atomic(thumb_path, imaging.encode(thumbnail, "webp", WEBP_QUALITY))
    return True


def _snapshot_image(context: AppContext, event: EventRecord) -> imaging.Image | None:
    """The event's clean frame: the tracked object's, else the clean copy on disk. Blocking."""
    tracked = context.tracked.get(event.camera, event.id)
    if tracked is not None:
        clean = tracked.get_clean_webp()
        if clean is not None:
            return imaging.decode(clean)
    stored = files.read_bytes(files.clean_webp(context.paths, event.camera, event.id))
    return imaging.decode(stored) if stored else None


def write_end_files(context: AppContext, event: EventRecord) -> bool:
    """Per the snapshots config: the annotated JPEG, the clean WebP, the thumbnail. Blocking."""
    camera = context.config.cameras.get(event.camera)
    if camera is None or not camera.snapshots.enabled:
        return False
    image = _snapshot_image(context, event)
    if image is None:
        image = _black(camera)
    snapshots = camera.snapshots
    settings = SnapshotSettings(
        timestamp=snapshots.timestamp,
        bounding_box=snapshots.bounding_box,
        crop=snapshots.crop,
        height=snapshots.height,
        quality=snapshots.quality,
    )
    color = context.config.model.colormap.get(event.label, (255, 255, 255))
    jpg = render(
        image,
        event,
        settings,
        clean=True,
        style=camera.timestamp_style,
        color=(int(color[0]), int(color[1]), int(color[2])),
    )
    jpg_path = files.snapshot_jpg(context.paths, event.camera, event.id)
    if jpg_path is None:
        return False
    write_atomic(jpg_path, jpg)
    if camera.snapshots.clean_copy:
        write_clean_and_thumbnail(context, event.camera, event.id, image)
    else:
        thumb_path = files.thumbnail_webp(context.paths, event.camera, event.id)
        if thumb_path is not None:
            thumbnail = imaging.resize_to_height(image, THUMBNAIL_HEIGHT)
            write_atomic(thumb_path, imaging.encode(thumbnail, "webp", WEBP_QUALITY))
    return True


def _finish_row(event: EventRecord, end_time: float, has_snapshot: bool) -> None:
    has_clip = event.has_clip and bool(overlapping(event.camera, event.start_time, end_time))
    Event.update(
        {Event.end_time: end_time, Event.has_snapshot: has_snapshot, Event.has_clip: has_clip}
    ).where(Event.id == event.id).execute()


class ManualEvents:
    """Events made through the API: create, end, and end by themselves after their duration."""

    def __init__(self, context: AppContext, frames: FrameProcessor) -> None:
        self.context = context
        self.frames = frames  # the live frame is the snapshot; the object is tracked there
        self.timers: dict[str, asyncio.Task[None]] = {}

    def _schedule(self, event_id: str, seconds: float) -> None:
        async def end_later() -> None:
            await asyncio.sleep(seconds)
            self.timers.pop(event_id, None)
            try:
                await self.finish(event_id, None)
            except Exception:
                logger.exception("ending manual event %s failed", event_id)

        self.timers[event_id] = asyncio.get_running_loop().create_task(end_later())

    def _cancel(self, event_id: str) -> None:
        task = self.timers.pop(event_id, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def create(
        self,
        identity: Identity,
        camera_name: str,
        label: str,
        body: ManualEventRequest,
    ) -> str:
        """Insert a manual event whose snapshot is the camera's current frame; its id."""
        context = self.context
        identity.require_admin()
        camera = context.config.cameras.get(camera_name)
        if camera is None:
            raise NotFound(f"{camera_name[:64]} is not a valid camera.")
        label = checked_label(label)
        _check_request(body)
        now = context.clock.now()
        event_id = _new_id(now)
        live = _live_frame(self.frames, camera)
        image, frame_time = live if live is not None else (_black(camera), now)
        self.frames.track_current_frame(
            camera.name,
            event_id,
            label,
            sub_label=body.sub_label,
            score=body.score if body.score <= 1 else body.score / 100,
            box=_first_box(camera, body.draw),
        )
        written = await asyncio.to_thread(
            write_clean_and_thumbnail, context, camera.name, event_id, image
        )
        pre_capture = (
            camera.record.event_pre_capture if body.pre_capture is None else body.pre_capture
        )
        data: dict[str, Any] = {
            "type": "api",
            "score": body.score,
            "top_score": body.score,
            "snapshot_clean": True,
            "snapshot_frame_time": frame_time,
            "draw": body.draw,
        }
        row: dict[Any, Any] = {
            Event.id: event_id,
            Event.label: label,
            Event.sub_label: body.sub_label,
            Event.camera: camera.name,
            Event.start_time: now - pre_capture,
            Event.end_time: None,
            Event.thumbnail: None,
            # Whether recordings exist is known at the end; until then the request decides.
            Event.has_clip: body.include_recording,
            Event.has_snapshot: written,
            Event.zones: [],
            Event.retain_indefinitely: False,
            Event.data: data,
        }
        await context.run_db(lambda: Event.insert(row).execute())
        if body.duration is not None:
            self._schedule(event_id, body.duration)
        return event_id

    async def finish(self, event_id: str, end_time: float | None) -> EventRecord:
        """End the event at `end_time` (now if None): files first, then the row."""
        context = self.context
        event = await context.run_db(find_event, event_id)
        if event is None:
            raise NotFound(f"Event {event_id} not found.")
        self._cancel(event_id)
        ending = context.clock.now() if end_time is None else end_time
        if event.ended:
            # Already over (e.g. by its duration): only move the end, as Frigate does.
            await context.run_db(
                lambda: Event.update({Event.end_time: ending}).where(Event.id == event_id).execute()
            )
            return replace(event, end_time=ending)
        wrote = await asyncio.to_thread(write_end_files, context, event)
        await context.run_db(_finish_row, event, ending, wrote or event.has_snapshot)
        context.tracked.remove(event.camera, event.id)
        return replace(event, end_time=ending)

    async def end(self, identity: Identity, event_id: str, end_time: float | None) -> None:
        """PUT /events/{id}/end: check, then finish the event."""
        identity.require_admin()
        event = await self.context.run_db(find_event, checked_id(event_id))
        if event is None:
            raise NotFound(f"Event {event_id} not found.")
        identity.require_camera(event.camera)
        if end_time is not None:
            if not math.isfinite(end_time):
                raise BadRequest("end_time must be a finite number")
            if end_time < event.start_time:
                raise BadRequest(
                    f"end_time ({end_time}) cannot be before start_time ({event.start_time})."
                )
        await self.finish(event_id, end_time)
