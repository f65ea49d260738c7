"""Image encoders (JPEG from YUV planes or BGR, WebP via Pillow, PNG); blocking: use threads."""

from __future__ import annotations

import io

import cv2
import numpy as np
import simplejpeg
from PIL import Image

from frigate_media.frames.yuv import Array, full_range_planes, resize, to_rgb

WEBP_METHOD = 0  # Pillow's fastest WebP effort: ~4x faster than OpenCV's at the same quality
PNG_COMPRESSION = 3


def jpeg_yuv(frame: Array, width: int, height: int, out_w: int, out_h: int, quality: int) -> bytes:
    """JPEG straight from the I420 planes (no BGR step), resized to `out_w` x `out_h`."""
    planes = full_range_planes(frame, width, height, out_w, out_h)
    data: bytes = simplejpeg.encode_jpeg_yuv_planes(planes.y, planes.u, planes.v, quality=quality)
    return data


def jpeg_bgr(image: Array, quality: int) -> bytes:
    data: bytes = simplejpeg.encode_jpeg(
        np.ascontiguousarray(image), quality=quality, colorspace="BGR", colorsubsampling="420"
    )
    return data


def webp_rgb(image: Array, quality: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="WEBP", quality=quality, method=WEBP_METHOD)
    return buffer.getvalue()


def webp_bgr(image: Array, quality: int) -> bytes:
    return webp_rgb(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), quality)


def webp_yuv(frame: Array, out_w: int, out_h: int, quality: int) -> bytes:
    rgb = resize(to_rgb(frame), out_w, out_h)
    return webp_rgb(rgb, quality)


def png_bgr(image: Array) -> bytes:
    ok, data = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, PNG_COMPRESSION])
    if not ok:
        raise ValueError("PNG encoding failed")
    return bytes(data.tobytes())


def encode_bgr_as(image: Array, fmt: str, quality: int) -> bytes:
    """`image` (BGR) as jpg/jpeg, webp or png."""
    if fmt in ("jpg", "jpeg"):
        return jpeg_bgr(image, quality)
    if fmt == "webp":
        return webp_bgr(image, quality)
    return png_bgr(image)


def decode_any(data: bytes) -> Array | None:
    """Decode an image file's bytes to BGR (alpha dropped); None when it is not an image."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return image if image is not None else None
