"""The debug overlays of live frames (bbox, timestamp, zones, mask, motion, regions, paths)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import cv2
import numpy as np

from frigate_media.config import CameraConfig
from frigate_media.frames.draw import draw_box_with_label, draw_rectangles, draw_timestamp
from frigate_media.frames.geometry import mask_image, zone_polygon
from frigate_media.frames.state import CameraState, Frame
from frigate_media.frames.tracked import TrackedObject
from frigate_media.frames.yuv import Array, to_bgr

STATIONARY_COLOR = (220, 220, 220)
LOST_COLOR = (255, 0, 0)
REGION_COLOR = (0, 255, 0)
MOTION_COLOR = (0, 0, 255)
DEFAULT_ZONE_COLOR = (0, 255, 255)


@dataclass(frozen=True)
class DrawOptions:
    """Which overlays to draw; hashable so it can be part of an encode-cache key."""

    bounding_boxes: bool = False
    timestamp: bool = False
    zones: bool = False
    mask: bool = False
    motion_boxes: bool = False
    regions: bool = False
    paths: bool = False

    @property
    def flags(self) -> tuple[bool, ...]:
        """Every overlay switch, in the order of `key()`'s letters."""
        return (
            self.bounding_boxes,
            self.timestamp,
            self.zones,
            self.mask,
            self.motion_boxes,
            self.regions,
            self.paths,
        )

    @property
    def any(self) -> bool:
        return any(self.flags)

    def key(self) -> str:
        """A short stable text for ETags and cache keys, e.g. 'b0t1z0m0o1r0p0'."""
        return "".join(f"{n}{int(f)}" for n, f in zip("btzmorp", self.flags, strict=True))


def render(
    frame: Frame,
    state: CameraState,
    camera: CameraConfig,
    objects: list[TrackedObject],
    options: DrawOptions,
) -> Array:
    """The frame as BGR with the asked overlays, in Frigate's drawing order."""
    image = np.ascontiguousarray(to_bgr(frame.data))
    width, height = frame.width, frame.height
    if options.mask and camera.motion.mask:
        image[mask_image(camera.motion.mask, width, height) == 0] = 0
    if options.bounding_boxes:
        for obj in objects:
            if obj.box is None:
                continue
            if obj.frame_time == frame.time or obj.frame_time == 0.0:
                color, thickness = (STATIONARY_COLOR, 1) if obj.stationary else (obj.color, 2)
            else:
                color, thickness = LOST_COLOR, 1
            draw_box_with_label(
                image, *obj.box, obj.label_text(), obj.info_text(), thickness, color
            )
    if options.regions:
        draw_rectangles(image, [obj.region for obj in objects if obj.region], REGION_COLOR)
    if options.zones:
        occupied = {zone for obj in objects for zone in obj.current_zones}
        for name, zone in camera.zones.items():
            contour = zone_polygon(zone.coordinates, width, height)
            if len(contour) < 3:
                continue
            color = (
                (int(zone.color[0]), int(zone.color[1]), int(zone.color[2]))
                if zone.color
                else DEFAULT_ZONE_COLOR
            )
            cv2.drawContours(image, [contour], -1, color, 8 if name in occupied else 2)
    if options.motion_boxes:
        draw_rectangles(image, list(state.motion_boxes), MOTION_COLOR)
    if options.timestamp:
        draw_timestamp(image, frame.time, camera.timestamp_style)
    if options.paths:
        _draw_paths(image, objects, width, height)
    return image


def _draw_paths(image: Array, objects: list[TrackedObject], width: int, height: int) -> None:
    for obj in objects:
        if not obj.path:
            continue
        points = [(int(x * width), int(y * height)) for x, y, _ in obj.path]
        for point in points:
            cv2.circle(image, point, 5, obj.color, -1)
        for start, end in itertools.pairwise(points):
            cv2.line(image, start, end, obj.color, 2)
        if obj.box is not None:
            bottom_center = ((obj.box[0] + obj.box[2]) // 2, obj.box[3])
            cv2.line(image, points[-1], bottom_center, obj.color, 2)
