"""The detect ingest's command line: Frigate's pipeline, its presets, its RTSP default."""

from __future__ import annotations

from frigate_media.ffmpeg.args.ingest import expand_args, ingest_args, input_args


def test_ingest_arguments_follow_frigates_detect_pipeline() -> None:
    args = ingest_args(
        None, input_args(None, "rtsp://cam/stream"), "rtsp://cam/stream", 640, 360, 7
    )
    assert args[:2] == ["-loglevel", "warning"]
    assert args[args.index("-i") + 1] == "rtsp://cam/stream"
    assert "-rtsp_transport" in args  # rtsp without input args gets Frigate's generic preset
    assert args[-9:] == [
        "-r",
        "7",
        "-s",
        "640x360",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        "pipe:",
    ]
    assert expand_args("preset-rtsp-restream -an") == [
        "-rtsp_transport",
        "tcp",
        "-timeout",
        "5000000",
        "-an",
    ]
    assert expand_args("preset-unknown-thing") == []


def test_a_non_rtsp_source_without_input_args_gets_none() -> None:
    assert input_args(None, "/media/loop.mp4") == []
    assert input_args("-re -stream_loop -1", "/media/loop.mp4") == ["-re", "-stream_loop", "-1"]
    assert input_args(["-re", "-f", "lavfi"], "testsrc2") == ["-re", "-f", "lavfi"]


def test_configured_global_args_keep_their_loglevel_and_lose_the_banner_flag() -> None:
    args = ingest_args("-hide_banner -loglevel error", [], "in.mp4", 320, 240, 5)
    assert args[: args.index("-i")] == ["-loglevel", "error"]
    args = ingest_args(["-threads", "2"], [], "in.mp4", 320, 240, 5)
    assert args[: args.index("-i")] == ["-loglevel", "warning", "-threads", "2"]
