"""One frame of a recording at a moment: which frame plays then, and the image of exactly it.

The frame is decoded in-process (`frames/recorded.decode_frame`: PyAV seeks to the keyframe
before it and decodes forward) on a few threads of its own. ffmpeg is the fallback when PyAV
cannot decode the file, or the path for every frame with `limits.frames_in_process` off: the
frame is chosen here first from the file's frame times (read once per file, demux only), and
ffmpeg seeks on the input to exactly it (`-ss` before `-i`, in seconds from the file's start:
ffmpeg adds the container's start time itself). Either way `X-Frame-Time` names the frame
actually returned: the first at or after the moment, as ffmpeg's input seek picks it.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import math
from dataclasses import dataclass

import av

from frigate_media.context import AppContext
from frigate_media.errors import BadRequest, NotFound, UpstreamFailed
from frigate_media.ffmpeg.args.frame_grab import grab_args
from frigate_media.ffmpeg.probe import missing_media, open_media, probe
from frigate_media.file_identity import FileIdentity, cached_by_identity
from frigate_media.frames.recorded import RecordedFrame, decode_frame
from frigate_media.services import timeranges
from frigate_media.services.recordings.query import Recording, recording_at

FORMATS = {"jpg": "mjpeg", "png": "png"}  # image format -> the ffmpeg encoder that writes it
MAX_HEIGHT = 4320
GRAB_TIMEOUT_SECONDS = 30.0

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FrameImage:
    """An encoded frame, its format (`jpg` or `png`) and the epoch time at which it plays."""

    data: bytes
    image_format: str
    frame_time: float


@dataclass(frozen=True)
class FrameIndex:
    """A file's video frame times (stream seconds, sorted) and its time base tick."""

    times: tuple[float, ...]
    tick: float

    def frame_at(self, position: float) -> float | None:
        """The frame ffmpeg's input seek to `position` decodes first: the first at or after it.

        ffmpeg rounds the seek target to the stream's time base, so a frame less than half a
        tick before `position` still counts; past the last frame, the last frame.
        """
        if not self.times:
            return None
        index = bisect.bisect_left(self.times, position - self.tick / 2 - 1e-7)
        return self.times[min(index, len(self.times) - 1)]


@cached_by_identity(maxsize=1024, missing=missing_media)  # called with a path
def frame_index(file: FileIdentity) -> FrameIndex:
    """Presentation times (stream seconds, as ffmpeg sees them) of every video frame. Blocking."""
    times: list[float] = []
    with open_media(file.path) as container:
        video = next(iter(container.streams.video), None)
        if video is None or video.time_base is None:
            return FrameIndex((), 0.0)
        base = video.time_base
        try:
            for packet in container.demux(video):
                if packet.pts is not None and packet.size:
                    times.append(float(packet.pts * base))
        except av.FFmpegError:
            pass  # a truncated tail still leaves the frames read so far
    return FrameIndex(tuple(sorted(times)), float(base))


def locate_frame(recording: Recording, moment: float) -> tuple[float, float]:
    """(seek offset from the file's start, epoch time of that frame) for `moment`. Blocking.

    The offset is what ffmpeg's `-ss` takes: ffmpeg adds the container's start time to it, so
    a file that does not start at 0 is sought from its own start, not from 0.
    """
    start = probe(recording.path).start_time
    offset = max(0.0, moment - recording.start_time)
    chosen = frame_index(recording.path).frame_at(start + offset)
    if chosen is None:
        raise NotFound(f"Unable to parse frame at time {moment}")
    # Floored to the microsecond ffmpeg parses, so the seek never lands past the chosen frame.
    seek = math.floor(max(0.0, chosen - start) * 1_000_000) / 1_000_000
    return seek, recording.start_time + (chosen - start)


def parse_format(extension: str) -> tuple[str, str]:
    """(ffmpeg codec, image format) of `jpg` or `png`, any case; anything else is a 400."""
    image_format = extension.lower()
    codec = FORMATS.get(image_format)
    if codec is None:
        raise BadRequest("Invalid format: use jpg or png")
    return codec, image_format


async def frame_image(
    context: AppContext, camera: str, moment: float, extension: str, height: int | None
) -> FrameImage:
    """The frame of `camera`'s recording playing at `moment`, encoded as `extension`."""
    codec, image_format = parse_format(extension)
    timeranges.finite_time(moment, "frame_time")
    if height is not None and not 0 < height <= MAX_HEIGHT:
        raise BadRequest(f"height must be between 1 and {MAX_HEIGHT}")
    recording = await context.run_db(recording_at, camera, moment)
    if recording is None:
        raise NotFound(f"Recording not found at {moment}")
    if context.config.limits.frames_in_process:
        offset = max(0.0, moment - recording.start_time)
        try:
            frame = await context.frame_threads.run(
                _decode, recording.path, offset, image_format, height
            )
            return FrameImage(frame.data, image_format, recording.start_time + frame.offset)
        except UpstreamFailed as failed:
            logger.info("frame of %s decoded by ffmpeg: %s", camera, failed.message)
    return await grab_with_ffmpeg(context, recording, moment, codec, image_format, height)


def _decode(path: str, offset: float, image_format: str, height: int | None) -> RecordedFrame:
    return decode_frame(path, offset, fmt=image_format, height=height)


async def grab_with_ffmpeg(
    context: AppContext,
    recording: Recording,
    moment: float,
    codec: str,
    image_format: str,
    height: int | None,
) -> FrameImage:
    """The ffmpeg path: the frame chosen from the file's frame times, then grabbed exactly."""
    seek, frame_time = await asyncio.to_thread(locate_frame, recording, moment)
    if height is not None:  # never above the recording's own height, as latest.jpg
        height = min(height, (await asyncio.to_thread(probe, recording.path)).height or height)
    result = await context.ffmpeg.run(
        grab_args(recording.path, seek, codec, height), timeout=GRAB_TIMEOUT_SECONDS
    )
    if not result.ok or not result.stdout:
        raise NotFound(f"Unable to parse frame at time {moment}")
    return FrameImage(result.stdout, image_format, frame_time)
