"""Error messages: absolute file paths are cut to their base names before a client sees them."""

from __future__ import annotations

import pytest

from frigate_media.errors import without_paths


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        (
            "Unable to read 00.00.mp4: [Errno 1094995529] Invalid data found when processing "
            "input: '/media/frigate/recordings/2024-06-21/20/front/00.00.mp4'",
            "Unable to read 00.00.mp4: [Errno 1094995529] Invalid data found when processing "
            "input: '00.00.mp4'",
        ),
        ("ffmpeg failed: /tmp/cache/x.part: No space left", "ffmpeg failed: x.part: No space left"),
        ("Unknown time zone: America/New_York", "Unknown time zone: America/New_York"),
        ("1/second;5/minute", "1/second;5/minute"),
        ("Recording not found at 1719000000.0", "Recording not found at 1719000000.0"),
    ],
)
def test_absolute_paths_become_base_names_and_other_slashes_stay(message: str, shown: str) -> None:
    assert without_paths(message) == shown
