"""Cut one HLS fMP4 segment out of a recording by stream copy with PyAV, in process.

PyAV does both the probing (plan) and the cutting, so edit lists and start times are read the
same way by both (mixing the ffmpeg CLI and PyAV lost frames on B-frame sources). Timestamps are
shifted so the segment's first video frame lands exactly on its place in the playlist timeline;
the muxer flags make that shift reach `tfdt` instead of being zeroed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import av

from frigate_media.errors import UpstreamFailed
from frigate_media.ffmpeg.probe import open_media
from frigate_media.hls.boxes import split_fragmented

FRAGMENT_OPTIONS = {
    "movflags": "empty_moov+default_base_moof+frag_keyframe+frag_discont",
    "avoid_negative_ts": "disabled",
}
# Audio codecs the MP4 muxer carries and HLS players understand.
MP4_AUDIO_CODECS = frozenset({"aac", "mp3", "opus", "ac3", "eac3", "flac", "alac"})
EPSILON = 1e-4  # seconds: below a tick of any time base we meet, above float noise
# After the last video frame, read at most this much further for audio still inside the cut.
AUDIO_TAIL_SECONDS = 2.0


@dataclass(frozen=True)
class Cut:
    """What to cut: from the keyframe at `start_offset` s into the file (None: the first one)
    for `duration` s, placed at `timeline_offset` s of the playlist; with audio or not."""

    path: str
    start_offset: float | None
    duration: float
    timeline_offset: float
    audio: bool


def _seconds(value: int, packet: Any) -> float:
    return float(value * packet.time_base)


def _shift(packet: Any, seconds: float) -> None:
    ticks = round(seconds / packet.time_base)
    if packet.pts is not None:
        packet.pts += ticks
    if packet.dts is not None:
        packet.dts += ticks


def remux(cut: Cut) -> tuple[bytes, bytes]:
    """(init, media) of `cut`: ftyp+moov, and the moof+mdat boxes. Blocking (CPU and disk)."""
    container = open_media(cut.path)
    with container:
        video = next(iter(container.streams.video), None)
        if video is None:
            raise UpstreamFailed(f"No video in {os.path.basename(cut.path)}")
        audio = next(iter(container.streams.audio), None) if cut.audio else None
        if audio is not None and audio.codec_context.name not in MP4_AUDIO_CODECS:
            audio = None
        file_start = (container.start_time or 0) / av.time_base
        target = None if cut.start_offset is None else file_start + cut.start_offset
        buffer = BytesIO()
        output = av.open(buffer, "w", format="mp4", options=FRAGMENT_OPTIONS)
        try:
            _copy(container, video, audio, output, cut, target)
        finally:
            output.close()
    init, media = split_fragmented(buffer.getvalue())
    if not media:
        raise UpstreamFailed(f"Nothing to play in {os.path.basename(cut.path)} for this range")
    return init, media


def _copy(
    container: Any, video: Any, audio: Any, output: Any, cut: Cut, target: float | None
) -> None:
    out_video = output.add_stream_from_template(video)
    if video.codec_context.name == "hevc":
        out_video.codec_tag = "hvc1"  # Apple players want parameter sets in the sample entry
    out_audio = output.add_stream_from_template(audio) if audio is not None else None
    if target is not None:
        container.seek(round(target / video.time_base), stream=video, backward=True)
    streams = [video] if audio is None else [video, audio]
    anchor: float | None = None  # decode time of the first kept keyframe, in file seconds
    early_audio: list[Any] = []
    video_done = False

    def emit_audio(packet: Any) -> bool:
        """Mux an audio packet inside the cut; False once audio has passed its end."""
        assert anchor is not None
        when = _seconds(packet.pts, packet) - anchor
        if when < 0:
            return True  # before the first frame: would wrap negative once shifted
        if when >= cut.duration - EPSILON:
            return False
        _shift(packet, cut.timeline_offset - anchor)
        packet.stream = out_audio
        output.mux(packet)
        return True

    for packet in container.demux(streams):
        if packet.size == 0 or (packet.pts is None and packet.dts is None):
            continue
        if packet.stream.index == video.index:
            if video_done:
                continue
            moment = _seconds(packet.dts if packet.dts is not None else packet.pts, packet)
            if anchor is None:
                if not packet.is_keyframe or packet.pts is None:
                    continue
                if target is not None and _seconds(packet.pts, packet) < target - 1e-3:
                    continue
                anchor = moment
                for held in early_audio:
                    emit_audio(held)
                early_audio.clear()
            if moment - anchor >= cut.duration - EPSILON:
                video_done = True
                if out_audio is None:
                    break
                continue
            _shift(packet, cut.timeline_offset - anchor)
            packet.stream = out_video
            output.mux(packet)
        elif packet.pts is not None:
            if anchor is None:
                early_audio.append(packet)
            elif not emit_audio(packet):
                if video_done:
                    break
            elif video_done and _seconds(packet.pts, packet) - anchor > (
                cut.duration + AUDIO_TAIL_SECONDS
            ):
                break
    if anchor is None:
        raise UpstreamFailed(f"No keyframe to start from in {os.path.basename(cut.path)}")
