"""Every input the assembler cannot prove it handles is refused with its reason (-> ffmpeg)."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from frigate_media.errors import MediaError
from frigate_media.mp4.assemble import FileTables, assemble
from frigate_media.mp4.errors import CannotAssemble, Reason
from frigate_media.mp4.reader import read_media
from frigate_media.services.recordings.vod import PlannedClip, VodPlan
from tests.mp4.conftest import plan_over
from tests.support.framehash import decoded_frames, source_frames
from tests.support.media import run_ffmpeg

Segments = Callable[..., list[Path]]
H264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "5"]
H264 += ["-keyint_min", "5", "-sc_threshold", "0", "-bf", "0"]
PATTERN = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=5"]


def refusal(plan: VodPlan, **options: int) -> CannotAssemble:
    with pytest.raises(CannotAssemble) as caught:
        assemble(plan, FileTables(), **options)
    assert isinstance(caught.value, MediaError)
    assert caught.value.reason.value in caught.value.message
    return caught.value


def encode(path: Path, *args: str) -> Path:
    if not path.exists():
        run_ffmpeg(*args, str(path))
    return path


def mixed(first: list[Path], second: list[Path], tmp_path: Path) -> list[Path]:
    """Two files from different encodes, named as one camera's consecutive segments."""
    files = [tmp_path / "00.mp4", tmp_path / "01.mp4"]
    shutil.copyfile(first[0], files[0])
    shutil.copyfile(second[1], files[1])
    return files


def test_a_codec_change_mid_range_is_refused(segments: Segments, tmp_path: Path) -> None:
    files = mixed(segments(), segments(codec="libx265", count=2), tmp_path)
    error = refusal(plan_over(files, 5.0, 15.0))
    assert error.reason == Reason.CODEC_CHANGE and "01.mp4" in error.message


def test_a_resolution_change_mid_range_is_refused(segments: Segments, tmp_path: Path) -> None:
    files = mixed(segments(), segments(width=640, height=360), tmp_path)
    assert refusal(plan_over(files, 5.0, 15.0)).reason == Reason.CODEC_CHANGE


def test_audio_that_comes_or_goes_mid_range_is_refused(segments: Segments, tmp_path: Path) -> None:
    files = mixed(segments(), segments(audio=True), tmp_path)
    assert refusal(plan_over(files, 5.0, 15.0)).reason == Reason.CODEC_CHANGE


@pytest.mark.parametrize("faststart", [True, False])
def test_a_truncated_segment_is_refused(
    segments: Segments, tmp_path: Path, faststart: bool
) -> None:
    files = [tmp_path / f"{i:02d}.mp4" for i in range(3)]
    for source, copy in zip(segments(audio=True, faststart=faststart), files, strict=True):
        shutil.copyfile(source, copy)
    data = files[1].read_bytes()
    files[1].write_bytes(data[: len(data) * 2 // 3])
    error = refusal(plan_over(files, 5.0, 25.0))
    assert error.reason == Reason.TRUNCATED and "01.mp4" in error.message


def test_a_segment_gone_since_the_plan_is_refused(segments: Segments, tmp_path: Path) -> None:
    files = [tmp_path / f"{i:02d}.mp4" for i in range(3)]
    for source, copy in zip(segments(), files, strict=True):
        shutil.copyfile(source, copy)
    plan = plan_over(files, 5.0, 25.0)
    files[2].unlink()
    assert refusal(plan).reason == Reason.UNREADABLE


def test_timescales_that_do_not_divide_are_refused(segments: Segments, tmp_path: Path) -> None:
    odd = segments(timescale=10007)
    files = mixed(segments(), odd, tmp_path)
    assert refusal(plan_over(files, 5.0, 15.0)).reason == Reason.TIMESCALE


def test_timescales_that_divide_are_rescaled_and_play_the_same_frames(
    segments: Segments, tmp_path: Path
) -> None:
    files = mixed(segments(), segments(timescale=90000), tmp_path)
    plan = plan_over(files, 5.0, 15.0)
    virtual = assemble(plan, FileTables())
    got = decoded_frames(io.BytesIO(virtual.read(0, virtual.size)))
    assert [d for _, d in got] == [d for _, d in source_frames(plan)]


def test_an_unknown_layout_with_two_video_tracks_is_refused(tmp_path: Path) -> None:
    path = encode(tmp_path / "two.mp4", *PATTERN, "-t", "4", "-map", "0:v", "-map", "0:v", *H264)
    plan = VodPlan("cam", 0.0, 4.0, (PlannedClip(str(path), 0.0, None, 4000),), False, True)
    assert refusal(plan).reason == Reason.LAYOUT


def test_a_fragmented_source_is_refused(tmp_path: Path) -> None:
    flags = ["-movflags", "frag_keyframe+empty_moov+default_base_moof"]
    path = encode(tmp_path / "frag.mp4", *PATTERN, "-t", "4", *H264, *flags)
    plan = VodPlan("cam", 0.0, 4.0, (PlannedClip(str(path), 0.0, None, 4000),), False, True)
    assert refusal(plan).reason == Reason.FRAGMENTED


def test_a_codec_we_do_not_copy_is_refused(tmp_path: Path) -> None:
    path = encode(tmp_path / "mpeg4.mp4", *PATTERN, "-t", "4", "-c:v", "mpeg4")
    plan = VodPlan("cam", 0.0, 4.0, (PlannedClip(str(path), 0.0, None, 4000),), False, True)
    assert refusal(plan).reason == Reason.CODEC


def test_open_gops_whose_frames_show_before_their_keyframe_are_refused(segments: Segments) -> None:
    files = segments(codec="libx265", bframes=True, open_gop=True, count=2)
    assert refusal(plan_over(files, 5.0, 15.0)).reason == Reason.CUT


def test_a_middle_cut_through_a_b_frame_group_is_refused(segments: Segments) -> None:
    files = segments(bframes=True)
    whole = plan_over(files, 0.0, 30.0)
    middle = whole.clips[1]
    cut = PlannedClip(
        middle.path, middle.recording_start, None, _inside_a_b_frame_group(middle.path)
    )
    plan = VodPlan("cam", 0.0, 30.0, (whole.clips[0], cut, whole.clips[2]), False, True)
    assert refusal(plan).reason == Reason.CUT


def _inside_a_b_frame_group(path: str) -> int:
    """A cut (ms) where a frame shown after it is decoded before one shown before it."""
    times = read_media(path).video.times
    for index in range(1, len(times)):
        if times[index] < times[index - 1]:  # a B-frame: cut between it and the frame before
            return round((times[index] + 0.1) * 1000)
    raise AssertionError("no B-frame in the set")


def test_audio_far_off_its_video_is_refused(segments: Segments, tmp_path: Path) -> None:
    late = encode(
        tmp_path / "late.mp4",
        *PATTERN,
        "-itsoffset", "0.5", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
        "-t", "10", *H264, "-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart",
    )  # fmt: skip
    files = segments(audio=True)
    clips = (
        PlannedClip(str(files[0]), 0.0, None, 10_000),
        PlannedClip(str(late), 10.0, None, 10_000),
    )
    error = refusal(VodPlan("cam", 0.0, 20.0, clips, False, True))
    assert error.reason == Reason.AUDIO_SYNC and "late.mp4" in error.message


def test_a_moov_past_its_memory_bound_is_refused(segments: Segments) -> None:
    plan = plan_over(segments(audio=True), 0.0, 30.0)
    assert refusal(plan, max_moov_bytes=1000).reason == Reason.TOO_LARGE


def test_a_plan_without_clips_is_refused() -> None:
    assert refusal(VodPlan("cam", 0.0, 1.0, (), False, True)).reason == Reason.EMPTY
