"""YUV I420 frames as one (h*3/2, w) uint8 array: planes, conversion, range expansion, encodes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from frigate_media import imaging
from frigate_media.imaging import resize

Array = npt.NDArray[Any]  # OpenCV returns loosely typed arrays; frames are uint8

# ffmpeg decodes cameras to limited ("tv") range; JPEG (JFIF) planes are full range.
_Y_LUT = np.clip((np.arange(256) - 16) * 255.0 / 219.0 + 0.5, 0, 255).astype(np.uint8)
_C_LUT = np.clip((np.arange(256) - 128) * 255.0 / 224.0 + 128.5, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class Planes:
    """The Y, U and V planes of one I420 frame (views, not copies)."""

    y: Array
    u: Array
    v: Array


def black_frame(width: int, height: int) -> Array:
    """A black I420 frame (limited range: Y=16, U=V=128)."""
    frame = np.full((height * 3 // 2, width), 128, np.uint8)
    frame[:height] = 16
    return frame


def frame_size(width: int, height: int) -> int:
    """Bytes of one raw yuv420p frame as ffmpeg writes it (even dimensions)."""
    return width * height * 3 // 2


def split(frame: Array, width: int, height: int) -> Planes:
    """Views on the planes of an I420 frame of even `width` x `height`."""
    quarter = (width // 2) * (height // 2)
    flat = frame.reshape(-1)
    y = flat[: width * height].reshape(height, width)
    u = flat[width * height : width * height + quarter].reshape(height // 2, width // 2)
    v = flat[width * height + quarter : width * height + 2 * quarter].reshape(
        height // 2, width // 2
    )
    return Planes(y, u, v)


def to_bgr(frame: Array) -> Array:
    """The frame as BGR, OpenCV's way (BT.601, limited range), like Frigate's live frames."""
    return cv2.cvtColor(frame, cv2.COLOR_YUV2BGR_I420)


def to_rgb(frame: Array) -> Array:
    return cv2.cvtColor(frame, cv2.COLOR_YUV2RGB_I420)


def full_range_planes(frame: Array, width: int, height: int, out_w: int, out_h: int) -> Planes:
    """Planes resized to `out_w` x `out_h` and expanded to full range, ready for JPEG."""
    planes = split(frame, width, height)
    chroma_w, chroma_h = (out_w + 1) // 2, (out_h + 1) // 2
    y = cv2.LUT(resize(planes.y, out_w, out_h), _Y_LUT)
    u = cv2.LUT(resize(planes.u, chroma_w, chroma_h), _C_LUT)
    v = cv2.LUT(resize(planes.v, chroma_w, chroma_h), _C_LUT)
    return Planes(y, u, v)


def jpeg(frame: Array, width: int, height: int, out_w: int, out_h: int, quality: int) -> bytes:
    """JPEG straight from the I420 planes (no BGR step), resized to `out_w` x `out_h`."""
    planes = full_range_planes(frame, width, height, out_w, out_h)
    return imaging.jpeg_planes(planes.y, planes.u, planes.v, quality)


def webp(frame: Array, out_w: int, out_h: int, quality: int) -> bytes:
    """WebP of the frame resized to `out_w` x `out_h`."""
    return imaging.webp_rgb(resize(to_rgb(frame), out_w, out_h), quality)


def scaled_width(width: int, height: int, target_height: int) -> int:
    """Frigate's width for a requested height: int(height * w / h), at least 1."""
    return max(1, int(target_height * width / height))
