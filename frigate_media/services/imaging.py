"""Still images of events: decode, encode with Frigate's defaults, pad, placeholders."""

from __future__ import annotations

from typing import Any, cast

import cv2
import numpy as np
import numpy.typing as npt

from frigate_media.errors import UpstreamFailed

Image = npt.NDArray[np.uint8]

# Frigate's get_image_quality_params: JPEG 70 and WebP 60 unless asked; PNG is lossless.
DEFAULT_QUALITY = {"jpg": 70, "jpeg": 70, "webp": 60}
# A decoded image larger than this is not a snapshot Frigate wrote (decompression bombs).
MAX_PIXELS = 8192 * 8192


def decode(data: bytes) -> Image | None:
    """BGR pixels of a JPEG, PNG or WebP; None when the bytes are not an image."""
    if not data:
        return None
    image: Any = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.size == 0 or image.shape[0] * image.shape[1] > MAX_PIXELS:
        return None
    return np.ascontiguousarray(image)


def read(path: str) -> Image | None:
    """BGR pixels of an image file; None when it is missing or not an image."""
    try:
        with open(path, "rb") as handle:
            return decode(handle.read())
    except OSError:
        return None


def encode(image: Image, ext: str, quality: int | None = None) -> bytes:
    """`image` in the format `ext`, at `quality` or Frigate's default for that format."""
    params: list[int] = []
    chosen = DEFAULT_QUALITY.get(ext) if quality is None else max(0, min(100, quality))
    if ext in ("jpg", "jpeg"):
        params = [int(cv2.IMWRITE_JPEG_QUALITY), int(chosen or 0)]
    elif ext == "webp":
        params = [int(cv2.IMWRITE_WEBP_QUALITY), max(1, int(chosen or 1))]
    ok, buffer = cv2.imencode(f".{ext}", image, params)
    if not ok:
        raise UpstreamFailed(f"Unable to encode the image as {ext}")
    return bytes(buffer.tobytes())


def resize_to_height(image: Image, height: int) -> Image:
    """Scale to `height` rows keeping the aspect ratio (INTER_AREA, as Frigate)."""
    width = max(1, int(height * image.shape[1] / image.shape[0]))
    return cast(Image, cv2.resize(image, dsize=(width, height), interpolation=cv2.INTER_AREA))


def pad_for_android(image: Image) -> Image:
    """Black borders of int(0.5 * width) left and right: about 2:1, for Android."""
    side = int(image.shape[1] * 0.5)
    padded = cv2.copyMakeBorder(image, 0, 0, side, side, cv2.BORDER_CONSTANT, value=(0, 0, 0))
    return cast(Image, padded)


def black_jpeg(width: int, height: int) -> bytes:
    """A black placeholder JPEG at quality 70."""
    return encode(np.zeros((height, width, 3), np.uint8), "jpg", 70)
