"""The single-frame grab: seek on the input at microsecond precision, one frame, image on stdout."""

from __future__ import annotations

from frigate_media.ffmpeg.args.frame_grab import grab_args


def test_the_seek_comes_before_the_input_in_seconds_with_six_decimals() -> None:
    args = grab_args("/rec/a.mp4", 61.5, "png", None)
    assert args[args.index("-ss") + 1] == "61.500000"
    assert args.index("-ss") < args.index("-i")
    assert args[-3:] == ["-f", "image2pipe", "pipe:1"]
    assert "-vf" not in args and "-q:v" not in args


def test_jpeg_is_high_quality_full_range_and_height_keeps_an_even_width() -> None:
    args = grab_args("/rec/a.mp4", 0.000001, "mjpeg", 120)
    joined = " ".join(args)
    assert "-ss 0.000001" in joined
    assert "-c:v mjpeg -q:v 2 -pix_fmt yuvj420p" in joined
    assert args[args.index("-vf") + 1] == "scale=-2:120"
