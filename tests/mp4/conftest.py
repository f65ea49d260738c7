"""Fixtures for the virtual MP4: recorder-like segment sets and VOD plans over them."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import pytest

from frigate_media.services.recordings.query import Recording
from frigate_media.services.recordings.vod import VodPlan, plan_clip
from tests.support.segments import SegmentSpec, make_segments

Frames = list[tuple[float, str]]


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


def decoded_frames(source: str | io.BytesIO, start: float = 0.0, end: float = 1e9) -> Frames:
    """(time, md5 of the pixels) of every video frame shown in [start, end) of `source`."""
    frames = []
    with av.open(source) as container:
        for frame in container.decode(video=0):
            time = float(frame.time)
            if start - 1e-6 <= time < end - 1e-6:
                digest = hashlib.md5(frame.to_ndarray().tobytes()).hexdigest()
                frames.append((time, digest))
    return frames


def source_frames(plan: VodPlan) -> Frames:
    """The frames the plan's range shows, decoded from the source files themselves."""
    frames: Frames = []
    for clip in plan.clips:
        with av.open(clip.path) as container:
            zero = container.start_time / av.time_base if container.start_time else 0.0
        begin = max(clip.offset_seconds, plan.start - clip.recording_start)
        stop = clip.offset_seconds + clip.duration_seconds
        frames += decoded_frames(clip.path, zero + begin, zero + stop)
    return frames
