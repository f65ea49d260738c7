"""The one imaging module: sizes read from headers, the decoded-pixel guard, one encoder per format."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
import simplejpeg
from PIL import Image

from frigate_media import imaging
from frigate_media.errors import UpstreamFailed
from tests.support.images import bomb_png


def pattern(width: int = 96, height: int = 54) -> np.ndarray:
    """Smooth BGR gradients (lossy encoders keep them closely)."""
    x = np.linspace(0, 255, width, dtype=np.uint8)
    y = np.linspace(0, 255, height, dtype=np.uint8)
    image = np.zeros((height, width, 3), np.uint8)
    image[..., 0] = x[None, :]
    image[..., 1] = y[:, None]
    image[..., 2] = 255 - x[None, :]
    return image


def pillow_bytes(image: np.ndarray, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image[..., ::-1].copy()).save(buffer, format=fmt, **options)
    return buffer.getvalue()


def pillow_rgba_webp(image: np.ndarray) -> bytes:
    """Lossy WebP with an alpha channel: the extended (VP8X) layout."""
    rgba = np.dstack([image[..., ::-1], np.full(image.shape[:2], 200, np.uint8)])
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="WEBP", quality=80)
    data = buffer.getvalue()
    assert data[12:16] == b"VP8X"
    return data


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(imaging.encode(pattern(), "jpg"), id="jpeg-baseline"),
        pytest.param(pillow_bytes(pattern(), "JPEG", progressive=True), id="jpeg-progressive"),
        pytest.param(
            simplejpeg.encode_jpeg(np.ascontiguousarray(pattern()), colorspace="BGR"),
            id="jpeg-simplejpeg",
        ),
        pytest.param(imaging.encode(pattern(), "png"), id="png"),
        pytest.param(imaging.encode(pattern(), "webp"), id="webp-lossy"),
        pytest.param(pillow_bytes(pattern(), "WEBP", lossless=True), id="webp-lossless"),
        pytest.param(pillow_rgba_webp(pattern()), id="webp-alpha"),
    ],
)
def test_the_declared_size_is_read_from_the_header_of_each_format(data: bytes) -> None:
    assert imaging.declared_size(data) == (96, 54)
    decoded = imaging.decode(data)
    assert decoded is not None and decoded.shape == (54, 96, 3)


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image", b"\xff\xd8\xff\xda\x00\x02", b"RIFF\x00\x00\x00\x00WEBPVP8 "],
)
def test_bytes_that_declare_no_size_are_not_images(data: bytes) -> None:
    assert imaging.declared_size(data) is None
    assert imaging.decode(data) is None


def test_formats_frigate_never_writes_are_refused() -> None:
    ok, bmp = cv2.imencode(".bmp", pattern())
    assert ok
    assert imaging.decode(bmp.tobytes()) is None


def test_a_decompression_bomb_is_refused_by_its_header() -> None:
    bomb = bomb_png()  # 12 kB declaring 100 megapixels
    assert len(bomb) < 20_000
    assert imaging.declared_size(bomb) == (10_000, 10_000)
    assert imaging.decode(bomb) is None


def test_the_pixel_limit_is_inclusive() -> None:
    data = imaging.encode(pattern(100, 50), "png")
    assert imaging.decode(data, max_pixels=4999) is None
    decoded = imaging.decode(data, max_pixels=5000)
    assert decoded is not None and decoded.shape == (50, 100, 3)


def test_a_truncated_file_is_not_an_image() -> None:
    data = imaging.encode(pattern(), "png")
    assert imaging.decode(data[:40]) is None


@pytest.mark.parametrize("ext", ["jpg", "jpeg", "png", "webp"])
def test_every_format_encodes_what_decodes_back_to_the_same_picture(ext: str) -> None:
    image = pattern()
    decoded = imaging.decode(imaging.encode(image, ext, 95))
    assert decoded is not None and decoded.shape == image.shape
    assert np.abs(decoded.astype(int) - image.astype(int)).mean() < 6


def test_quality_defaults_to_frigates_and_is_clamped() -> None:
    image = pattern(320, 180)
    assert imaging.encode(image, "jpg") == imaging.encode(image, "jpg", 70)
    assert imaging.encode(image, "webp") == imaging.encode(image, "webp", 60)
    assert imaging.encode(image, "jpg", 250) == imaging.encode(image, "jpg", 100)
    assert len(imaging.encode(image, "jpg", 10)) < len(imaging.encode(image, "jpg", 90))


def test_an_unknown_format_is_an_upstream_failure() -> None:
    with pytest.raises(UpstreamFailed, match="gif"):
        imaging.encode(pattern(), "gif")


def test_resizing_keeps_the_aspect_and_padding_doubles_the_width() -> None:
    image = pattern(96, 54)
    assert imaging.resize(image, 96, 54) is image
    assert imaging.resize(image, 48, 27).shape == (27, 48, 3)
    assert imaging.resize_to_height(image, 27).shape == (27, 48, 3)
    assert imaging.fit_within(image, 48).shape == (27, 48, 3)
    assert imaging.fit_within(image, 500) is image
    padded = imaging.pad_for_android(image)
    assert padded.shape == (54, 192, 3) and padded[:, :48].max() == 0


def test_the_black_placeholder_is_a_black_jpeg_of_the_asked_size() -> None:
    placeholder = imaging.decode(imaging.black_jpeg(64, 48))
    assert placeholder is not None and placeholder.shape == (48, 64, 3)
    assert placeholder.max() < 5
