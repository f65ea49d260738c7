"""Clip command lines: the concat script from stdin, stream copy, fragmented or faststart MP4."""

from __future__ import annotations

from frigate_media.ffmpeg.args.clips import concat_args


def test_a_streamed_clip_is_fragmented_on_stdout() -> None:
    args = concat_args("pipe:1", fragmented=True)
    assert "-f concat -safe 0 -protocol_whitelist pipe,file -i pipe:0" in " ".join(args)
    assert args[args.index("-movflags") + 1] == "frag_keyframe+empty_moov+default_base_moof"
    assert args[-3:] == ["-f", "mp4", "pipe:1"] and "-c copy" in " ".join(args)


def test_a_cached_clip_is_faststart_at_its_path() -> None:
    args = concat_args("/work/clips/abc.part", fragmented=False)
    assert args[args.index("-movflags") + 1] == "+faststart"
    assert args[-1] == "/work/clips/abc.part"
