"""The one MIME map: formats the services produce and files on disk get their Content-Type."""

from __future__ import annotations

import pytest

from frigate_media.api import media_types
from frigate_media.api.media_types import Extension


@pytest.mark.parametrize(
    ("image_format", "media_type"),
    [
        ("jpg", "image/jpeg"),
        ("jpeg", "image/jpeg"),
        ("png", "image/png"),
        ("webp", "image/webp"),
        ("gif", "image/gif"),
        ("mp4", "video/mp4"),
    ],
)
def test_each_format_has_its_content_type(image_format: str, media_type: str) -> None:
    assert media_types.of_format(image_format) == media_type


def test_every_image_extension_a_route_accepts_has_a_content_type() -> None:
    assert [extension.value for extension in Extension] == ["webp", "png", "jpg", "jpeg"]
    for extension in Extension:
        assert media_types.of_format(extension.value).startswith("image/")


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("2024-06-01/10/front/05.00.mp4", "video/mp4"),
        ("seg-3-v1.m4s", "video/mp4"),
        ("init-v1.mp4", "video/mp4"),
        ("master.m3u8", "application/vnd.apple.mpegurl"),
        ("index-v1-a1.m3u8", "application/vnd.apple.mpegurl"),
        ("front-1.jpg", "image/jpeg"),
        ("SNAP.JPG", "image/jpeg"),
        ("thumb.webp", "image/webp"),
        ("faces/train/a.gif", "image/gif"),
        ("notes.txt", "text/plain"),
        ("no_suffix", "application/octet-stream"),
        ("odd.zz9", "application/octet-stream"),
    ],
)
def test_a_file_gets_its_content_type_from_its_name(name: str, media_type: str) -> None:
    assert media_types.of_file(name) == media_type
