"""Still images as BGR arrays: guarded decode, one encoder per format, resize, pad, placeholders.

Both the live frames (`frames/`) and the stored event images (`services/`) go through here, so
there is one JPEG encoder (libjpeg-turbo via simplejpeg, which also takes YUV planes), one WebP
encoder (Pillow at its fastest effort: several times faster than OpenCV's at the same quality)
and one PNG encoder. Every decode of stored or untrusted bytes checks the size the file declares
before any pixel is allocated. Blocking: call from threads.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, cast

import cv2
import numpy as np
import numpy.typing as npt
import simplejpeg
from PIL import Image as PILImage

from frigate_media.errors import UpstreamFailed

Image = npt.NDArray[Any]  # BGR (or RGB where named), uint8; OpenCV types its arrays loosely

# A decoded image larger than this is not a snapshot Frigate wrote (decompression bombs).
MAX_PIXELS = 8192 * 8192
# Frigate's get_image_quality_params: JPEG 70 and WebP 60 unless asked; PNG is lossless.
DEFAULT_QUALITY = {"jpg": 70, "jpeg": 70, "webp": 60}
WEBP_METHOD = 0  # Pillow's fastest WebP effort
PNG_COMPRESSION = 3
PLACEHOLDER_QUALITY = 70

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers (they carry the size); C4, C8 and CC are other segments.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


# ---- decoding ------------------------------------------------------------------------------


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 4 <= len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker == 0xFF:  # fill byte
            index += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            index += 2
            continue
        if marker in _JPEG_SOF and index + 9 <= len(data):
            height = int.from_bytes(data[index + 5 : index + 7], "big")
            width = int.from_bytes(data[index + 7 : index + 9], "big")
            return width, height
        length = int.from_bytes(data[index + 2 : index + 4], "big")
        if marker == 0xDA or length < 2:  # scan data before any frame header
            return None
        index += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width = int.from_bytes(data[26:28], "little") & 0x3FFF
        height = int.from_bytes(data[28:30], "little") & 0x3FFF
        return width, height
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None


def declared_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) a JPEG, PNG or WebP declares in its header, read without decoding;
    None for anything else or a header that names no size."""
    size: tuple[int, int] | None = None
    if data.startswith(b"\xff\xd8"):
        size = _jpeg_size(data)
    elif data.startswith(_PNG_SIGNATURE) and data[12:16] == b"IHDR" and len(data) >= 24:
        size = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    elif data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        size = _webp_size(data)
    if size is None or size[0] <= 0 or size[1] <= 0:
        return None
    return size


def decode(data: bytes, *, max_pixels: int = MAX_PIXELS) -> Image | None:
    """BGR pixels of a JPEG, PNG or WebP (alpha dropped); None when the bytes are not one of
    those or declare more than `max_pixels` pixels (checked before decoding)."""
    size = declared_size(data)
    if size is None or size[0] * size[1] > max_pixels:
        return None
    image: Any = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.size == 0 or image.shape[0] * image.shape[1] > max_pixels:
        return None
    return np.ascontiguousarray(image)


def read(path: str | Path) -> Image | None:
    """BGR pixels of an image file; None when it is missing, unreadable or not an image."""
    try:
        with open(path, "rb") as handle:
            return decode(handle.read())
    except OSError:
        return None


# ---- encoding ------------------------------------------------------------------------------


def jpeg_planes(y: Image, u: Image, v: Image, quality: int) -> bytes:
    """A JPEG straight from full-range Y, U and V planes (4:2:0), skipping any BGR step."""
    data: bytes = simplejpeg.encode_jpeg_yuv_planes(y, u, v, quality=quality)
    return data


def webp_rgb(image: Image, quality: int) -> bytes:
    """An RGB image as lossy WebP."""
    buffer = io.BytesIO()
    pillow = PILImage.fromarray(np.ascontiguousarray(image))
    pillow.save(buffer, format="WEBP", quality=quality, method=WEBP_METHOD)
    return buffer.getvalue()


def encode(image: Image, ext: str, quality: int | None = None) -> bytes:
    """A BGR image as `ext` (jpg, jpeg, webp or png) at `quality` (0-100, clamped), or at
    Frigate's default for the format when none is given."""
    chosen = DEFAULT_QUALITY.get(ext, 0) if quality is None else max(0, min(100, quality))
    if ext in ("jpg", "jpeg"):
        data: bytes = simplejpeg.encode_jpeg(
            np.ascontiguousarray(image), quality=chosen, colorspace="BGR", colorsubsampling="420"
        )
        return data
    if ext == "webp":
        return webp_rgb(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), chosen)
    if ext == "png":
        ok, buffer = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, PNG_COMPRESSION])
        if ok:
            return bytes(buffer.tobytes())
    raise UpstreamFailed(f"Unable to encode the image as {ext}")


# ---- geometry and placeholders --------------------------------------------------------------


def interpolation(source_height: int, target_height: int) -> int:
    """INTER_AREA when shrinking by 2x or more (no aliasing), INTER_LINEAR otherwise (fast)."""
    return cv2.INTER_AREA if target_height * 2 <= source_height else cv2.INTER_LINEAR


def resize(image: Image, width: int, height: int) -> Image:
    """Resize any 2D/3D image; returns the input itself when the size already matches."""
    if image.shape[1] == width and image.shape[0] == height:
        return image
    return cv2.resize(image, (width, height), interpolation=interpolation(image.shape[0], height))


def resize_to_height(image: Image, height: int) -> Image:
    """Scale to `height` rows keeping the aspect ratio (INTER_AREA, as Frigate)."""
    width = max(1, int(height * image.shape[1] / image.shape[0]))
    return cast(Image, cv2.resize(image, dsize=(width, height), interpolation=cv2.INTER_AREA))


def fit_within(image: Image, max_side: int) -> Image:
    """Shrunk (INTER_AREA) so the longest side is at most `max_side`; smaller images as they are."""
    height, width = image.shape[:2]
    scale = min(1.0, max_side / max(width, height))
    if scale >= 1.0:
        return image
    size = (max(1, int(width * scale)), max(1, int(height * scale)))
    return cast(Image, cv2.resize(image, size, interpolation=cv2.INTER_AREA))


def pad_for_android(image: Image) -> Image:
    """Black borders of int(0.5 * width) left and right: about 2:1, for Android."""
    side = int(image.shape[1] * 0.5)
    padded = cv2.copyMakeBorder(image, 0, 0, side, side, cv2.BORDER_CONSTANT, value=(0, 0, 0))
    return cast(Image, padded)


def black(width: int, height: int) -> Image:
    """A black BGR image."""
    return np.zeros((height, width, 3), np.uint8)


def black_jpeg(width: int, height: int) -> bytes:
    """A black placeholder JPEG at quality 70."""
    return encode(black(width, height), "jpg", PLACEHOLDER_QUALITY)
