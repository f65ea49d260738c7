"""What master.m3u8 advertises about a recording: size, rate, codec strings, audio. Cached."""

from __future__ import annotations

import os
from dataclasses import dataclass

import av

from frigate_media.errors import NotFound, UpstreamFailed
from frigate_media.ffmpeg.probe import open_media
from frigate_media.file_identity import FileIdentity, cached_by_identity
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


def _missing(path: str) -> NotFound:
    return NotFound(f"Recording not found: {os.path.basename(path)}")


@cached_by_identity(maxsize=1024, missing=_missing)  # called with a path
def stream_facts(file: FileIdentity) -> StreamFacts:
    """Facts about a recording, cached by (path, size, mtime). Blocking."""
    path, size = file.path, file.size
    try:
        container = open_media(path)
    except UpstreamFailed:
        # nginx-vod answers an unreadable file with an error Frigate's nginx turns into 404.
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
