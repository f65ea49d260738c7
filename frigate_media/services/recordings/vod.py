"""The VOD plan: which parts of which recordings play for a range — one source of truth for
nginx-vod's mapping JSON and for our own HLS.

Rules are Frigate's `vod_ts` with its later fix: the first clip's `clipFrom` moves back to the
keyframe at or before the start (nginx-vod would move it forward) and its duration grows to match.
The `cache` flag follows the range's end, not its start (see `is_final`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from frigate_media.errors import NotFound, UpstreamFailed
from frigate_media.ffmpeg.probe import probe
from frigate_media.services.recordings.query import Recording, overlapping

logger = logging.getLogger(__name__)

MIN_CLIP_MS = 100  # Frigate drops slivers shorter than this
# Frigate's recorder files a segment on a later pass over its cache, once detection has caught
# up with it (it tolerates six segments waiting). A range is final only once that lag has passed.
INDEXING_GRACE_SECONDS = 60.0


@dataclass(frozen=True)
class PlannedClip:
    """A part of one recording: from `clip_from_ms` (None: the file start) for `duration_ms`."""

    path: str
    recording_start: float
    clip_from_ms: int | None
    duration_ms: int

    @property
    def offset_seconds(self) -> float:
        """Where in the file this clip starts."""
        return (self.clip_from_ms or 0) / 1000

    @property
    def duration_seconds(self) -> float:
        return self.duration_ms / 1000

    @property
    def start_time(self) -> float:
        """The epoch time of the clip's first frame."""
        return self.recording_start + self.offset_seconds


@dataclass(frozen=True)
class VodPlan:
    """The clips of a VOD range, in play order."""

    camera: str
    start: float
    end: float
    clips: tuple[PlannedClip, ...]
    discontinuity: bool
    cache: bool

    @property
    def durations_ms(self) -> list[int]:
        return [clip.duration_ms for clip in self.clips]

    @property
    def total_seconds(self) -> float:
        return sum(self.durations_ms) / 1000

    def mapping(self) -> dict[str, Any]:
        """nginx-vod's mapping JSON, with Frigate's keys in Frigate's order."""
        durations = self.durations_ms
        clips: list[dict[str, Any]] = []
        for clip in self.clips:
            entry: dict[str, Any] = {"type": "source", "path": clip.path}
            if clip.clip_from_ms is not None:
                entry["clipFrom"] = clip.clip_from_ms
            entry["keyFrameDurations"] = [clip.duration_ms]
            clips.append(entry)
        return {
            "cache": self.cache,
            "discontinuity": self.discontinuity,
            "consistentSequenceMediaInfo": True,
            "durations": durations,
            "segment_duration": max(durations),
            "sequences": [{"clips": clips}],
        }


def _snap_to_keyframe(path: str, clip_from_ms: int) -> int | None:
    """The keyframe at or before `clip_from_ms`, in ms; None when keyframes cannot be read."""
    try:
        info = probe(path, keyframes=True)
    except (NotFound, UpstreamFailed) as error:
        logger.warning("cannot read keyframes of %s: %s", path, error.message)
        return None
    keyframe = info.keyframe_at_or_before(clip_from_ms / 1000)
    return None if keyframe is None else round(keyframe * 1000)


def plan_clip(recording: Recording, start: float, end: float) -> PlannedClip | None:
    """The part of `recording` inside [start, end], or None when it is a sliver."""
    duration = int(recording.duration * 1000)
    clip_from: int | None = None
    if start > recording.start_time:
        clip_from = int((start - recording.start_time) * 1000)
        duration -= clip_from
    if recording.end_time > end:
        duration -= int((recording.end_time - end) * 1000)
    if duration < MIN_CLIP_MS:
        # Judge slivers before the keyframe snap: a recording that only touches the range
        # start would otherwise bring in footage from before the range (Frigate does this).
        return None
    if clip_from is not None:
        snapped = _snap_to_keyframe(recording.path, clip_from)
        if snapped is None or snapped > clip_from:
            # Unreadable keyframes: play the whole head of the file rather than a broken start.
            duration += clip_from
            clip_from = None
        else:
            duration += clip_from - snapped
            clip_from = snapped
    return PlannedClip(recording.path, recording.start_time, clip_from, duration)


def is_final(end: float, newest_segment_seconds: float, now: float) -> bool:
    """Whether a range ending at `end` can gain no more recordings, so nginx-vod may cache it.

    Frigate asks "did it start over an hour ago?", so a long range that reaches now was cached
    for minutes with the segments of that moment. What matters is the end: the segment that
    covers it is filed up to one segment length after it, plus the recorder's lag.
    """
    return end + newest_segment_seconds + INDEXING_GRACE_SECONDS < now


def build_plan(
    camera: str, start: float, end: float, *, now: float, discontinuity: bool = False
) -> VodPlan:
    """The VOD plan for [start, end]; NotFound when no recording plays. Blocking (DB, probe)."""
    recordings = overlapping(camera, start, end)
    clips = []
    for recording in recordings:
        clip = plan_clip(recording, start, end)
        if clip is not None:
            clips.append(clip)
    if not clips:
        raise NotFound("No recordings found.")
    return VodPlan(
        camera=camera,
        start=start,
        end=end,
        clips=tuple(clips),
        discontinuity=discontinuity,
        cache=is_final(end, recordings[-1].duration, now),
    )
