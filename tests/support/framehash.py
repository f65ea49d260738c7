"""Per-frame hashes (PyAV's framemd5): what a clip shows, and what its source files show."""

from __future__ import annotations

import hashlib
import io
from typing import Protocol

import av

from frigate_media.services.recordings.vod import VodPlan

Frames = list[tuple[float, str]]


class Span(Protocol):
    """Where a range plays in one source file (`PlannedClip` fits)."""

    @property
    def path(self) -> str: ...
    @property
    def recording_start(self) -> float: ...
    @property
    def offset_seconds(self) -> float: ...
    @property
    def duration_seconds(self) -> float: ...


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


def digests(frames: Frames) -> list[str]:
    return [digest for _, digest in frames]
