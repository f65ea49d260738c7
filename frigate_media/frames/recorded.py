"""One recorded frame decoded in-process: the frame playing at an offset, as JPEG or PNG.

The frame is the one ffmpeg's input seek (`-ss` before `-i`) returns, which the recordings
snapshot route promises in `X-Frame-Time`: the first frame at or after the offset, a frame less
than half a tick early still counting, the last frame past the end. PyAV seeks to the keyframe at
or before it (further back when the container's index lands after it) and decodes forward; JPEG is
encoded from the YUV planes as live frames are. Blocking: run it on a thread.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
import simplejpeg

from frigate_media.errors import BadRequest, NotFound, UpstreamFailed
from frigate_media.ffmpeg.probe import open_media
from frigate_media.frames import yuv
from frigate_media.frames.yuv import Array, split
from frigate_media.imaging import encode, resize

JPEG_QUALITY = 95  # about what ffmpeg's `-q:v 2` (the ffmpeg path) gives
MEDIA_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}
MAX_SEEK_RETRIES = 4
SEEK_BACK_SECONDS = 2.0  # how much further back a retry seeks, at least
FULL_RANGE_FORMATS = frozenset({"yuvj420p"})
YUV420_FORMATS = frozenset({"yuv420p", "yuvj420p"})


@dataclass(frozen=True)
class RecordedFrame:
    """An encoded frame and where it plays: seconds after the file's start (ffmpeg's)."""

    offset: float
    data: bytes
    media_type: str


def output_size(width: int, height: int, target_height: int | None) -> tuple[int, int]:
    """ffmpeg's `scale=-2:h`: the height asked (never above the frame's own, as latest.jpg),
    the width following the ratio, rounded to even."""
    if target_height is None or target_height >= height:
        return width, height
    half = Fraction(target_height * width, height * 2)
    return max(2, 2 * math.floor(half + Fraction(1, 2))), target_height


def _chosen(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    base: Fraction,
    position: float,
) -> tuple[av.VideoFrame, float]:
    """The first frame at or after `position` (stream seconds; half a tick early counts), else
    the last frame; with its time."""
    tick = float(base)
    threshold = position - tick / 2 - 1e-7
    start = container.start_time / av.time_base if container.start_time is not None else 0.0
    target = position
    for _ in range(MAX_SEEK_RETRIES):
        container.seek(max(0, round(target / base)), stream=stream, backward=True)
        first_time: float | None = None
        last = None
        for frame in container.decode(stream):
            if frame.pts is None:
                continue
            time = float(frame.pts * base)
            if first_time is None:
                first_time = time
                if time > position + tick / 2 and target > start:
                    break  # the seek landed after the frame: go further back
            if time >= threshold:
                return frame, time
            last = frame, time
        else:  # the end of the file
            if last is not None:
                return last
            if target <= start:
                break
        target = max(start, min(target, first_time or target) - SEEK_BACK_SECONDS)
    raise NotFound("Unable to decode a frame at that time")


def _jpeg(frame: av.VideoFrame, width: int, height: int, quality: int) -> bytes:
    source_w, source_h = frame.width, frame.height
    name = frame.format.name
    if name in YUV420_FORMATS and source_w % 2 == 0 and source_h % 2 == 0:
        planes: Array = frame.to_ndarray()
        full = name in FULL_RANGE_FORMATS or frame.color_range == 2  # AVCOL_RANGE_JPEG
        if not full:
            return yuv.jpeg(planes, source_w, source_h, width, height, quality)
        parts = split(planes, source_w, source_h)
        chroma = ((width + 1) // 2, (height + 1) // 2)
        data: bytes = simplejpeg.encode_jpeg_yuv_planes(
            np.ascontiguousarray(resize(parts.y, width, height)),
            np.ascontiguousarray(resize(parts.u, *chroma)),
            np.ascontiguousarray(resize(parts.v, *chroma)),
            quality=quality,
        )
        return data
    rgb = frame.to_ndarray(format="rgb24", width=width, height=height)
    rgb_data: bytes = simplejpeg.encode_jpeg(
        np.ascontiguousarray(rgb), quality=quality, colorspace="RGB", colorsubsampling="420"
    )
    return rgb_data


def _png(frame: av.VideoFrame, width: int, height: int) -> bytes:
    rgb = frame.to_ndarray(format="rgb24", width=width, height=height, interpolation="BICUBIC")
    return encode(np.ascontiguousarray(rgb[:, :, ::-1]), "png")


def decode_frame(
    path: str,
    offset: float,
    *,
    fmt: str = "jpg",
    height: int | None = None,
    quality: int = JPEG_QUALITY,
) -> RecordedFrame:
    """The frame of `path` playing `offset` seconds after its start, as `fmt` (jpg or png).

    NotFound when the file or a frame is missing, UpstreamFailed when it cannot be decoded
    (the caller may then try ffmpeg). Blocking.
    """
    media_type = MEDIA_TYPES.get(fmt.lower())
    if media_type is None:
        raise BadRequest("Invalid format: use jpg or png")
    with open_media(path) as container:
        stream = next(iter(container.streams.video), None)
        if stream is None or stream.time_base is None:
            raise NotFound("The recording has no video")
        base = stream.time_base
        start = container.start_time / av.time_base if container.start_time is not None else 0.0
        try:
            frame, time = _chosen(container, stream, base, start + max(0.0, offset))
        except av.FFmpegError as error:
            raise UpstreamFailed(f"Unable to decode the recording: {error}") from None
        width, out_height = output_size(frame.width, frame.height, height)
        if media_type == "image/png":
            data = _png(frame, width, out_height)
        else:
            data = _jpeg(frame, width, out_height, quality)
    return RecordedFrame(time - start, data, media_type)
