"""What master.m3u8 advertises about a recording: size, rate, codec strings, audio. Cached."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import av

from frigate_media.errors import NotFound
from frigate_media.hls.codecs import audio_codec, video_codec
from frigate_media.hls.remux import MP4_AUDIO_CODECS


@dataclass(frozen=True)
class StreamFacts:
    """The first video stream (and the first audio stream HLS can carry) of one file."""

    width: int
    height: int
    fps: float
    bitrate: int
    video_codec: str
    audio_codec: str | None

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None

    @property
    def codecs(self) -> str:
        return self.video_codec + (f",{self.audio_codec}" if self.audio_codec else "")


@functools.lru_cache(maxsize=1024)
def _read(path: str, size: int, mtime_ns: int) -> StreamFacts:
    try:
        container = av.open(path, metadata_errors="ignore")
    except (av.FFmpegError, OSError):
        raise NotFound(f"Unable to read recording {os.path.basename(path)}") from None
    with container:
        video = next(iter(container.streams.video), None)
        if video is None:
            raise NotFound(f"No video in recording {os.path.basename(path)}")
        audio = next(iter(container.streams.audio), None)
        if audio is not None and audio.codec_context.name not in MP4_AUDIO_CODECS:
            audio = None
        duration = (container.duration or 0) / av.time_base
        bitrate = round(size * 8 / duration) if duration > 0 else int(container.bit_rate or 0)
        context = video.codec_context
        return StreamFacts(
            width=context.width,
            height=context.height,
            fps=float(video.average_rate) if video.average_rate else 0.0,
            bitrate=bitrate,
            video_codec=video_codec(context.name, context.extradata),
            audio_codec=(
                audio_codec(audio.codec_context.name, audio.codec_context.extradata)
                if audio is not None
                else None
            ),
        )


def stream_facts(path: str) -> StreamFacts:
    """Facts about `path`, cached by (path, size, mtime). Blocking."""
    try:
        stat = os.stat(path)
    except OSError:
        raise NotFound(f"Recording not found: {os.path.basename(path)}") from None
    return _read(path, stat.st_size, stat.st_mtime_ns)
