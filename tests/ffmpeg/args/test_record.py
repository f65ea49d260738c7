"""The recorder's command lines: segmenting, presets, output args as given, the faststart remux."""

from __future__ import annotations

import pytest

from frigate_media.ffmpeg.args.presets import UnknownPreset
from frigate_media.ffmpeg.args.record import (
    faststart_remux_args,
    input_args,
    output_args,
    record_args,
)

SEGMENTING = ["-f", "segment", "-segment_time", "10", "-segment_format", "mp4"]


def test_the_default_command_copies_video_into_10_second_faststart_segments() -> None:
    args = record_args(
        global_args=None,
        inputs=input_args(None, "rtsp://cam/stream"),
        source="rtsp://cam/stream",
        outputs=output_args(None),
        pattern="/cache/front@%Y%m%d%H%M%S%z.mp4",
    )
    joined = " ".join(args)
    assert args[:3] == ["-y", "-loglevel", "warning"]
    assert " ".join(SEGMENTING) in joined
    assert "-reset_timestamps 1 -strftime 1" in joined
    assert "-segment_format_options movflags=+faststart" in joined
    assert "-c:v copy -c:a aac" in joined
    assert "-rtsp_transport tcp" in joined  # Frigate's preset-rtsp-generic for an RTSP input
    assert args[args.index("-i") + 1] == "rtsp://cam/stream"
    assert args[-1] == "/cache/front@%Y%m%d%H%M%S%z.mp4"


def test_codec_output_args_are_kept_and_a_full_frigate_command_is_used_as_given() -> None:
    args = output_args("-c:v libx264 -an")
    assert " ".join(SEGMENTING) in " ".join(args) and "-c:v libx264 -an" in " ".join(args)

    frigate_style = "-f segment -segment_time 10 -segment_format mp4 -reset_timestamps 1 -strftime 1 -c copy -an"
    args = output_args(frigate_style)
    assert " ".join(args).count("-f segment") == 1
    assert "-segment_format_options" not in args

    args = output_args("preset-record-generic")
    assert " ".join(SEGMENTING) in " ".join(args) and "-c copy -an" in " ".join(args)


def test_input_presets_and_configured_input_args() -> None:
    assert "udp" in input_args("preset-rtsp-udp", "rtsp://cam/stream")
    assert input_args(None, "/media/loop.mp4") == []
    assert input_args("-re -f lavfi", "testsrc2") == ["-re", "-f", "lavfi"]
    assert input_args(["-re"], "x") == ["-re"]


def test_an_unknown_preset_is_refused_by_name() -> None:
    with pytest.raises(UnknownPreset, match="unknown preset-nope"):
        input_args("preset-nope", "rtsp://cam/stream")
    with pytest.raises(UnknownPreset, match="unknown preset-nope"):
        output_args("preset-nope")


def test_configured_global_args_replace_the_default_loglevel() -> None:
    args = record_args(
        global_args="-loglevel error -threads 1", inputs=[], source="s", outputs=[], pattern="p"
    )
    assert args == ["-y", "-loglevel", "error", "-threads", "1", "-i", "s", "p"]


def test_the_faststart_remux_copies_every_stream_into_the_target() -> None:
    args = faststart_remux_args("/cache/in.mp4", "/media/.out.tmp")
    assert args[args.index("-i") + 1] == "/cache/in.mp4"
    assert "-map 0 -c copy -movflags +faststart -f mp4" in " ".join(args)
    assert args[-1] == "/media/.out.tmp"
