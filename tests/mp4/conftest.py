"""Fixtures for the virtual MP4: recorder-like segment sets and VOD plans over them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from frigate_media.services.recordings.query import Recording
from frigate_media.services.recordings.vod import VodPlan, plan_clip
from tests.support.segments import SegmentSpec, make_segments


@pytest.fixture(scope="session")
def segments(media_dir: Path) -> Callable[..., list[Path]]:
    """segments(audio=True, bframes=True, ...) -> the files of one recorder-like encode."""

    def factory(**spec: Any) -> list[Path]:
        return make_segments(media_dir, SegmentSpec(**spec))

    return factory


def plan_over(files: list[Path], start: float, end: float, seconds: float = 10.0) -> VodPlan:
    """The VOD plan for [start, end] over files recorded back to back from time 0."""
    clips = []
    for index, path in enumerate(files):
        recording = Recording(str(path), index * seconds, (index + 1) * seconds, seconds)
        clip = plan_clip(recording, start, end)
        if clip is not None:
            clips.append(clip)
    return VodPlan("cam", start, end, tuple(clips), discontinuity=False, cache=True)
