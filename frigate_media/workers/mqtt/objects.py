"""Frigate's running tracked objects, from its MQTT messages into our tracked-object registry.

Each `new`/`update` replaces the object in `TrackedObjects` (the registry the live overlays and
the event routes read), so a render never sees half an update; `end` removes it, and an object
without a message for `stale_seconds` is dropped (a broker that went away leaves nothing
behind). Only objects this class added are ever changed or removed: a manual event of ours
with the same id is left alone.

Frigate's best frame is not on the bus, only where it was (`snapshot`: time, box, score). Its
image is our live frame at the moment Frigate announced that best frame (kept until it
announces a better one) with Frigate's box on it; without a live frame, the newest
`<camera>/<label>/snapshot` JPEG stands in.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from frigate_media.config import FrigateConfig
from frigate_media.frames.processor import FrameProcessor
from frigate_media.frames.tracked import TrackedObject, colour_for
from frigate_media.frames.yuv import Array
from frigate_media.workers.mqtt.label_snapshots import LabelSnapshots
from frigate_media.workers.mqtt.messages import EventMessage, ObjectState

logger = logging.getLogger(__name__)

MAX_SNAPSHOT_BYTES = 32 * 1024 * 1024  # all stored label snapshots together
# A label snapshot published this long before we first heard of an object may still be its
# image: Frigate sends the snapshot and the event from the same update, in either order.
ATTRIBUTION_SLACK = 5.0


@dataclass
class _Owned:
    camera: str
    label: str
    first_seen: float
    last_seen: float


class FrigateObjects:
    """Applies events and label snapshots to the registry; call on the event loop only."""

    def __init__(
        self,
        config: FrigateConfig,
        frames: FrameProcessor,
        stale_seconds: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        max_snapshot_bytes: int = MAX_SNAPSHOT_BYTES,
    ) -> None:
        self.config = config
        self.frames = frames
        self.stale_seconds = stale_seconds
        self.snapshots = LabelSnapshots(max_snapshot_bytes)
        self._now = monotonic
        self._owned: dict[str, _Owned] = {}
        self._unknown_cameras: set[str] = set()

    @property
    def objects(self) -> list[str]:
        """Ids of the objects currently held from Frigate."""
        return list(self._owned)

    def on_event(self, message: EventMessage) -> None:
        after = message.after
        if not self._known_camera(after.camera):
            return
        owned = self._owned.get(after.id)
        if message.type == "end":
            if owned is not None:
                self._drop(after.id, owned)
            return
        registry = self.frames.objects
        if owned is None and registry.get(after.camera, after.id) is not None:
            return  # one of our own (manual) events: never overwritten from the bus
        now = self._now()
        if owned is None or owned.camera != after.camera:
            if owned is not None:
                self._drop(after.id, owned)
            owned = _Owned(after.camera, after.label, now, now)
            self._owned[after.id] = owned
        owned.last_seen = now
        previous = registry.get(after.camera, after.id)
        registry.add(self._tracked(after, previous, owned))

    def on_snapshot(self, camera: str, label: str, data: bytes) -> None:
        """Keep the newest JPEG of (camera, label) and hand it to its running objects."""
        if not self._known_camera(camera):
            return
        if not self.snapshots.put(camera, label, data, self._now()):
            logger.warning(
                "%s/%s: best snapshot of %d bytes is over budget", camera, label, len(data)
            )
            return
        for object_id, owned in self._owned.items():
            if owned.camera == camera and owned.label == label:
                self.frames.objects.update(camera, object_id, best_jpeg=data)

    def sweep(self) -> None:
        """Drop objects and label snapshots not refreshed for `stale_seconds`."""
        horizon = self._now() - self.stale_seconds
        for object_id, owned in list(self._owned.items()):
            if owned.last_seen < horizon:
                logger.info("%s: no news of %s from Frigate; dropped", owned.camera, object_id)
                self._drop(object_id, owned)
        self.snapshots.drop_older_than(horizon)

    def clear(self) -> None:
        for object_id, owned in list(self._owned.items()):
            self._drop(object_id, owned)
        self.snapshots.clear()

    # ---- helpers -----------------------------------------------------------------------------

    def _known_camera(self, camera: str) -> bool:
        if camera in self.config.cameras:
            return True
        if camera not in self._unknown_cameras:
            self._unknown_cameras.add(camera)
            logger.info("MQTT: camera %r is not in the config; its objects are ignored", camera)
        return False

    def _drop(self, object_id: str, owned: _Owned) -> None:
        self._owned.pop(object_id, None)
        self.frames.objects.remove(owned.camera, object_id)

    def _tracked(
        self, after: ObjectState, previous: TrackedObject | None, owned: _Owned
    ) -> TrackedObject:
        camera = self.config.cameras[after.camera]
        best = after.best
        best_time = best.frame_time if best is not None else after.frame_time
        return TrackedObject(
            id=after.id,
            camera=after.camera,
            label=after.label,
            score=after.score,
            sub_label=after.sub_label,
            box=after.box,
            region=after.region,
            area=after.area,
            path=after.path,
            attributes=best.attributes if best is not None else [],
            stationary=after.stationary,
            current_zones=after.current_zones,
            current_estimated_speed=after.current_estimated_speed,
            # Frigate's frame times are not on our frames' clock: 0.0 keeps the live overlay
            # from drawing the object as lost on every frame of ours.
            frame_time=0.0,
            best_frame=self._best_frame(after.camera, best_time, previous),
            best_frame_time=best_time,
            best_box=best.box if best is not None else None,
            best_score=best.score if best is not None else None,
            best_area=best.area if best is not None else None,
            best_jpeg=self._label_jpeg(after.camera, after.label, owned, previous),
            top_score=after.top_score,
            has_snapshot=after.has_snapshot,
            color=colour_for(camera, after.label, self.config.model.colormap),
            timestamp_style=camera.timestamp_style,
        )

    def _best_frame(
        self, camera: str, best_time: float, previous: TrackedObject | None
    ) -> Array | None:
        """The frame kept for this best frame, else our live frame now (None when offline)."""
        if (
            previous is not None
            and previous.best_frame is not None
            and previous.best_frame_time == best_time
        ):
            return previous.best_frame
        if self.frames.is_offline(camera):
            return None
        frame = self.frames.current_frame(camera)
        return frame.data if frame is not None else None

    def _label_jpeg(
        self, camera: str, label: str, owned: _Owned, previous: TrackedObject | None
    ) -> bytes | None:
        """The label's newest JPEG if it arrived around or after this object, else the last one
        it had (a snapshot published before the object existed shows an older object)."""
        snapshot = self.snapshots.get(camera, label)
        if snapshot is not None and snapshot.received >= owned.first_seen - ATTRIBUTION_SLACK:
            return snapshot.data
        return previous.best_jpeg if previous is not None else None
