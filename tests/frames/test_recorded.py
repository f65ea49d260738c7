"""Recorded frames decoded in-process: the frame the ffmpeg path returns, and its image."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from frigate_media.errors import BadRequest, NotFound
from frigate_media.ffmpeg.probe import probe
from frigate_media.frames.recorded import decode_frame, output_size
from frigate_media.services.recordings.frame_at import frame_index, grab_args
from tests.support.media import ffmpeg_binary
from tests.support.segments import SegmentSpec, make_segments

SETS = {
    "recorder, no B-frames": SegmentSpec(audio=True),
    "moov at the end, B-frames": SegmentSpec(audio=True, bframes=True, faststart=False),
}
# inside a GOP, on a keyframe, just after a frame, between frames, the last frame, past the end
OFFSETS = [0.0, 0.1, 3.3, 3.31, 4.0, 5.55, 9.99, 20.0]


def image(data: bytes) -> np.ndarray:  # type: ignore[type-arg]
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.float64)


def psnr(one: np.ndarray, other: np.ndarray) -> float:  # type: ignore[type-arg]
    error = float(np.mean((one - other) ** 2))
    return 99.0 if error == 0 else 10 * np.log10(255**2 / error)


def ffmpeg_frame(path: Path, offset: float, codec: str, height: int | None) -> tuple[float, bytes]:
    """(frame offset, image) as `services/recordings/frame_at.py` gets them from ffmpeg."""
    start = probe(str(path)).start_time
    position = frame_index(str(path)).frame_at(start + offset)
    assert position is not None
    args = grab_args(str(path), position, codec, height)
    result = subprocess.run([ffmpeg_binary(), *args], capture_output=True, check=True, timeout=60)
    return position - start, result.stdout


@pytest.fixture(scope="module", params=list(SETS))
def segment(request: pytest.FixtureRequest, media_dir: Path) -> Path:
    """The second segment of a set: its start time is 0, as the ffmpeg path assumes."""
    return make_segments(media_dir, SETS[request.param])[1]


@pytest.mark.parametrize("offset", OFFSETS)
def test_the_frame_is_the_one_the_ffmpeg_path_returns(segment: Path, offset: float) -> None:
    expected_offset, expected_png = ffmpeg_frame(segment, offset, "png", None)
    png = decode_frame(str(segment), offset, fmt="png")
    assert png.media_type == "image/png"
    assert png.offset == pytest.approx(expected_offset, abs=1e-6)
    assert np.array_equal(image(png.data), image(expected_png))  # pixel for pixel
    jpeg = decode_frame(str(segment), offset)
    assert jpeg.media_type == "image/jpeg" and jpeg.offset == png.offset
    _, expected_jpeg = ffmpeg_frame(segment, offset, "mjpeg", None)
    assert psnr(image(jpeg.data), image(expected_jpeg)) > 38


@pytest.mark.parametrize("fmt", ["jpg", "png"])
def test_a_scaled_frame_keeps_the_ratio_and_is_the_same_frame(segment: Path, fmt: str) -> None:
    frame = decode_frame(str(segment), 3.3, fmt=fmt, height=120)
    codec = "mjpeg" if fmt == "jpg" else "png"
    _, same = ffmpeg_frame(segment, 3.3, codec, 120)
    _, neighbour = ffmpeg_frame(segment, 3.6, codec, 120)
    ours = image(frame.data)
    assert ours.shape == image(same).shape == (120, 160, 3)
    assert psnr(ours, image(same)) > 30
    assert psnr(ours, image(same)) > psnr(ours, image(neighbour)) + 5


def test_a_file_that_starts_late_gives_the_frame_it_names(media_dir: Path) -> None:
    """The first segment of an AAC encode starts at its audio; its video 21 ms later."""
    path = make_segments(media_dir, SETS["moov at the end, B-frames"])[0]
    with av.open(str(path)) as container:
        start = container.start_time / av.time_base
        frames = {round(float(f.time) - start, 4): f.to_ndarray(format="rgb24") for f in container.decode(video=0)}  # fmt: skip
    assert start > 0
    found = decode_frame(str(path), 3.3, fmt="png")
    assert found.offset > 3.3
    nearest = min(frames, key=lambda time: abs(time - found.offset))
    assert nearest == pytest.approx(found.offset, abs=1e-3)
    assert min(t for t in frames if t >= 3.3 - 0.05) == nearest
    assert np.array_equal(image(found.data), frames[nearest].astype(np.float64))


def test_output_size_rounds_the_width_to_even_like_ffmpeg() -> None:
    assert output_size(320, 240, 120) == (160, 120)
    assert output_size(1280, 720, 101) == (180, 101)
    assert output_size(1920, 1080, None) == (1920, 1080)


def test_a_missing_file_is_not_found_and_a_bad_format_a_bad_request(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        decode_frame(str(tmp_path / "gone.mp4"), 1.0)
    with pytest.raises(BadRequest):
        decode_frame(str(tmp_path / "gone.mp4"), 1.0, fmt="gif")
