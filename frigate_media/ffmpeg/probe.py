"""In-process probing of media files with PyAV: duration, streams and video keyframe times.

Blocking: call from a worker thread. Results for a path are cached by (path, size, mtime),
because a finished recording never changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction

import av

from frigate_media.errors import NotFound, UpstreamFailed
from frigate_media.file_identity import FileIdentity, cached_by_identity


@dataclass(frozen=True)
class MediaInfo:
    """What the media routes need to know about one file."""

    duration: float
    start_time: float
    video_codec: str | None
    width: int
    height: int
    fps: float
    has_audio: bool
    audio_codec: str | None = None
    keyframes: tuple[float, ...] = field(default=())

    def keyframe_at_or_before(self, offset: float) -> float | None:
        """The last keyframe time (seconds from the file start) at or before `offset`."""
        best: float | None = None
        for keyframe in self.keyframes:
            if keyframe <= offset + 1e-6:
                best = keyframe
            else:
                break
        return best


def _seconds(value: int | None, base: Fraction | None) -> float:
    if value is None or base is None:
        return 0.0
    return float(value * base)


def missing_media(path: str) -> NotFound:
    """The error for a media file that is not there (any more)."""
    return NotFound(f"Media file not found: {os.path.basename(path)}")


def open_media(path: str, *, timeout: float | None = None) -> av.container.InputContainer:
    """Open a media file or URL for demuxing: NotFound when it is gone, UpstreamFailed when
    unreadable. `timeout` bounds each network read (camera URLs); files need none."""
    try:
        return av.open(path, metadata_errors="ignore", timeout=timeout)
    except FileNotFoundError:
        raise missing_media(path) from None
    except (av.FFmpegError, OSError) as error:
        raise UpstreamFailed(f"Unable to read {os.path.basename(path)}: {error}") from None


@cached_by_identity(maxsize=4096, missing=missing_media)
def _probe(file: FileIdentity, with_keyframes: bool) -> MediaInfo:
    with open_media(file.path) as container:
        video = next(iter(container.streams.video), None)
        audio = next(iter(container.streams.audio), None)
        start = container.start_time / av.time_base if container.start_time is not None else 0.0
        duration = container.duration / av.time_base if container.duration is not None else 0.0
        keyframes: list[float] = []
        if video is not None and with_keyframes:
            base = video.time_base
            try:
                for packet in container.demux(video):
                    if packet.pts is not None and packet.is_keyframe:
                        keyframes.append(_seconds(packet.pts, base) - start)
            except av.FFmpegError:
                pass  # a truncated tail still leaves the keyframes read so far
            keyframes.sort()
        fps = float(video.average_rate) if video is not None and video.average_rate else 0.0
        return MediaInfo(
            duration=float(duration),
            start_time=float(start),
            video_codec=video.codec_context.name if video is not None else None,
            width=video.codec_context.width if video is not None else 0,
            height=video.codec_context.height if video is not None else 0,
            fps=fps,
            has_audio=audio is not None,
            audio_codec=audio.codec_context.name if audio is not None else None,
            keyframes=tuple(max(0.0, k) for k in keyframes),
        )


def probe(path: str, *, keyframes: bool = False) -> MediaInfo:
    """Probe `path`; with `keyframes`, also demux the video track for its keyframe times."""
    return _probe(path, keyframes)
