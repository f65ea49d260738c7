"""Tracked objects per camera (fed by manual events and by Frigate over MQTT) and their images,
as Frigate renders them."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from frigate_media.config import CameraConfig
from frigate_media.frames.draw import calculate_region, draw_box_with_label, draw_timestamp
from frigate_media.frames.geometry import Box
from frigate_media.frames.yuv import Array, to_bgr
from frigate_media.imaging import black, decode, encode, resize_to_height

THUMBNAIL_HEIGHT = 175
THUMBNAIL_REGION = 300
CROP_MULTIPLIER = 1.1
JPEG_DEFAULT_QUALITY = 70
WEBP_DEFAULT_QUALITY = 60
OPENCV_DEFAULT_QUALITY = 95  # Frigate's `jpeg` extension falls through to OpenCV's default
DEFAULT_COLOR = (255, 255, 255)


@dataclass
class TrackedObject:
    """One object being tracked on a camera; `best_frame` is the I420 frame of its snapshot."""

    id: str
    camera: str
    label: str
    score: float = 1.0
    sub_label: str | None = None
    box: Box | None = None  # absolute pixels in the detect frame
    region: Box | None = None
    area: int = 0
    path: list[tuple[float, float, float]] = field(default_factory=list)  # relative x, y, time
    attributes: list[dict[str, Any]] = field(default_factory=list)
    stationary: bool = False
    current_zones: list[str] = field(default_factory=list)
    current_estimated_speed: float | None = None
    frame_time: float = 0.0  # the frame the object was last seen on (0.0: not on our frames)
    best_frame: Array | None = None
    best_frame_time: float | None = None
    # Frigate's best frame can differ from the current one: its box, score and area (None: the
    # current ones), and a ready JPEG of it (Frigate's MQTT snapshot) for when we have no frame.
    best_box: Box | None = None
    best_score: float | None = None
    best_area: int | None = None
    best_jpeg: bytes | None = None
    top_score: float | None = None
    has_snapshot: bool = False
    color: tuple[int, int, int] = DEFAULT_COLOR
    timestamp_style: Any = None

    def label_text(self) -> str:
        if self.sub_label and self.sub_label.isprintable():
            return self.sub_label
        return self.label

    def info_text(self) -> str:
        return self._info(self.score, self.area)

    def best_info_text(self) -> str:
        """The label's second line on the best frame: its own score and area when known."""
        score = self.score if self.best_score is None else self.best_score
        return self._info(score, self.area if self.best_area is None else self.best_area)

    def _info(self, score: float, area: int) -> str:
        text = f"{int(score * 100)}% {int(area)}"
        if self.current_estimated_speed:
            text += f" {self.current_estimated_speed:.1f}"
        return text

    def get_img_bytes(
        self,
        ext: str,
        timestamp: bool = False,
        bounding_box: bool = False,
        crop: bool = False,
        height: int | None = None,
        quality: int | None = None,
        *,
        upscale: bool = False,
    ) -> tuple[bytes | None, float | None]:
        """The best frame rendered as Frigate does, and its time; (None, None) without one.

        `height` is capped at the source's unless `upscale` (the 175-px thumbnail is that tall
        whatever the source, as Frigate's)."""
        if self.best_frame is None or self.best_frame_time is None:
            return self._ready_image(ext, height, quality, upscale=upscale)
        image = np.ascontiguousarray(to_bgr(self.best_frame))
        frame_h, frame_w = image.shape[:2]
        best_box = self.best_box or self.box
        box: Box = best_box or (0, 0, int(frame_w) - 1, int(frame_h) - 1)
        if bounding_box and best_box is not None:
            draw_box_with_label(
                image, *box, self.label_text(), self.best_info_text(), 2, self.color
            )
            for attribute in self.attributes:
                attribute_box = attribute.get("box")
                if attribute_box and len(attribute_box) == 4:
                    x1, y1, x2, y2 = (int(v) for v in attribute_box)
                    area = (x2 - x1) * (y2 - y1)
                    score = float(attribute.get("score", 0))
                    info = f"{int(score * 100)}% {area}"
                    label = str(attribute.get("label", ""))
                    draw_box_with_label(image, x1, y1, x2, y2, label, info, 2, self.color)
        if crop:
            x1, y1, x2, y2 = calculate_region(
                image.shape, *box, THUMBNAIL_REGION, multiplier=CROP_MULTIPLIER
            )
            image = image[y1:y2, x1:x2]
        if height:
            # Never larger than the camera's frame (as latest.jpg): a huge `height` must not
            # make a huge image.
            image = resize_to_height(image, height if upscale else min(height, int(frame_h)))
        if timestamp:
            image = np.ascontiguousarray(image)
            if self.timestamp_style is not None:
                draw_timestamp(image, self.best_frame_time, self.timestamp_style)
        return encode_bgr(image, ext, quality), self.best_frame_time

    def _ready_image(
        self, ext: str, height: int | None, quality: int | None, *, upscale: bool
    ) -> tuple[bytes | None, float | None]:
        """`best_jpeg` at the asked height and quality; it was drawn and cropped upstream (by
        the camera's `mqtt` settings in Frigate), so box, crop and timestamp cannot change."""
        if self.best_jpeg is None:
            return None, None
        if ext.lower() == "jpg" and not height and quality is None:
            return self.best_jpeg, self.best_frame_time
        image = decode(self.best_jpeg)
        if image is None:
            return None, None
        if height:
            image = resize_to_height(image, height if upscale else min(height, image.shape[0]))
        return encode_bgr(image, ext, quality), self.best_frame_time

    def get_thumbnail(self, ext: str) -> bytes:
        """A 175-px-tall crop around the object; a black 175x175 image when there is no frame."""
        data, _ = self.get_img_bytes(ext, crop=True, height=THUMBNAIL_HEIGHT, upscale=True)
        if data is not None:
            return data
        return encode_bgr(black(THUMBNAIL_HEIGHT, THUMBNAIL_HEIGHT), ext, None)

    def get_clean_webp(self) -> bytes | None:
        """The whole best frame without drawings, WebP quality 60."""
        if self.best_frame is None:
            return None
        return encode(to_bgr(self.best_frame), "webp", WEBP_DEFAULT_QUALITY)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "camera": self.camera,
            "label": self.label,
            "sub_label": self.sub_label,
            "score": self.score,
            "box": list(self.box) if self.box else None,
            "region": list(self.region) if self.region else None,
            "area": self.area,
            "stationary": self.stationary,
            "frame_time": self.frame_time,
            "snapshot_time": self.best_frame_time,
            "top_score": self.top_score,
            "has_snapshot": self.has_snapshot,
        }


def encode_bgr(image: Array, ext: str, quality: int | None) -> bytes:
    """Frigate's per-extension defaults: jpg 70, webp 60, jpeg OpenCV's 95, png lossless."""
    ext = ext.lower()
    if ext == "jpg":
        return encode(image, ext, quality or JPEG_DEFAULT_QUALITY)
    if ext == "jpeg":
        return encode(image, ext, quality or OPENCV_DEFAULT_QUALITY)
    if ext == "webp":
        return encode(image, ext, quality or WEBP_DEFAULT_QUALITY)
    return encode(image, "png")


class TrackedObjects:
    """The registry of tracked objects, per camera; safe to use from threads and the loop."""

    def __init__(self) -> None:
        self._objects: dict[str, dict[str, TrackedObject]] = {}
        self._lock = threading.Lock()

    def add(self, obj: TrackedObject) -> TrackedObject:
        with self._lock:
            self._objects.setdefault(obj.camera, {})[obj.id] = obj
        return obj

    def update(self, camera: str, object_id: str, **fields: Any) -> TrackedObject | None:
        """Change fields of a tracked object; None if it is not tracked (any more)."""
        with self._lock:
            obj = self._objects.get(camera, {}).get(object_id)
            if obj is None:
                return None
            for name, value in fields.items():
                if not hasattr(obj, name):
                    raise AttributeError(f"TrackedObject has no field {name!r}")
                setattr(obj, name, value)
            return obj

    def remove(self, camera: str, object_id: str) -> TrackedObject | None:
        with self._lock:
            return self._objects.get(camera, {}).pop(object_id, None)

    def get(self, camera: str, object_id: str) -> TrackedObject | None:
        with self._lock:
            return self._objects.get(camera, {}).get(object_id)

    def find(self, object_id: str) -> TrackedObject | None:
        """An object by id on any camera (event routes know only the id)."""
        with self._lock:
            for objects in self._objects.values():
                if object_id in objects:
                    return objects[object_id]
        return None

    def on_camera(self, camera: str) -> list[TrackedObject]:
        with self._lock:
            return list(self._objects.get(camera, {}).values())


def colour_for(
    camera: CameraConfig, label: str, colormap: dict[str, tuple[int, int, int]]
) -> tuple[int, int, int]:
    """The label's colour from `model.colormap` (BGR as Frigate stores it), else white."""
    del camera
    color = colormap.get(label)
    return (int(color[0]), int(color[1]), int(color[2])) if color else DEFAULT_COLOR
