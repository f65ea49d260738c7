"""One frame of a recording at a moment: which frame plays then, and the image of exactly it.

ffmpeg seeks on the input (`-ss` before `-i`, seconds as `%.6f`: right past 60 s and for tiny
offsets, unlike Frigate's `00:00:{t}`). The frame is chosen here first, from the file's frame
times (read once per file with PyAV, demux only), so the seek lands exactly on it and
`X-Frame-Time` names the frame actually returned.
"""

from __future__ import annotations

import asyncio
import bisect
from dataclasses import dataclass

import av

from frigate_media.context import AppContext
from frigate_media.errors import BadRequest, NotFound
from frigate_media.ffmpeg.args.frame_grab import grab_args
from frigate_media.ffmpeg.probe import missing_media, open_media, probe
from frigate_media.file_identity import FileIdentity, cached_by_identity
from frigate_media.services import timeranges
from frigate_media.services.recordings.query import Recording, recording_at

FORMATS = {"jpg": "mjpeg", "png": "png"}  # image format -> the ffmpeg encoder that writes it
MAX_HEIGHT = 4320
GRAB_TIMEOUT_SECONDS = 30.0


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
    """(seek position in stream seconds, epoch time of that frame) for `moment`. Blocking."""
    start = probe(recording.path).start_time
    offset = max(0.0, moment - recording.start_time)
    chosen = frame_index(recording.path).frame_at(start + offset)
    if chosen is None:
        raise NotFound(f"Unable to parse frame at time {moment}")
    return chosen, recording.start_time + (chosen - start)


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
    position, frame_time = await asyncio.to_thread(locate_frame, recording, moment)
    if height is not None:  # never above the recording's own height, as latest.jpg
        height = min(height, (await asyncio.to_thread(probe, recording.path)).height or height)
    result = await context.ffmpeg.run(
        grab_args(recording.path, position, codec, height), timeout=GRAB_TIMEOUT_SECONDS
    )
    if not result.ok or not result.stdout:
        raise NotFound(f"Unable to parse frame at time {moment}")
    return FrameImage(result.stdout, image_format, frame_time)
