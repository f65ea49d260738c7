"""Preview GIF/MP4 command lines: trims of hourly previews, then frames, sped up and joined."""

from __future__ import annotations

from dataclasses import dataclass

from frigate_media.ffmpeg.args.previews import FRAME_SECONDS, OUTPUT_FPS, gif_args, mp4_args


@dataclass(frozen=True)
class Trim:
    path: str
    offset: float
    duration: float


def test_one_trimmed_preview_becomes_a_looping_gif_on_stdout() -> None:
    args = gif_args([Trim("/p/a.mp4", 12.3456, 40.0)], frames=False, size=None)
    assert args[:2] == ["-loglevel", "warning"]
    assert args[2:8] == ["-ss", "12.346", "-t", "40.000", "-i", "/p/a.mp4"]
    graph = args[args.index("-filter_complex") + 1]
    assert graph == f"[0:v]setpts={FRAME_SECONDS}*(PTS-STARTPTS)[v0];[v0]fps={OUTPUT_FPS}[out]"
    assert args[-9:] == ["-map", "[out]", "-loop", "0", "-c:v", "gif", "-f", "gif", "-"]


def test_previews_and_frames_are_scaled_alike_and_concatenated() -> None:
    trims = [Trim("/p/a.mp4", 0.0, 10.0), Trim("/p/b.mp4", 0.0, 5.0)]
    args = mp4_args(trims, frames=True, size=(320, 180), target="/work/out.mp4")
    assert " ".join(args).count("-i ") == 3 and "-i pipe:0" in " ".join(args)
    graph = args[args.index("-filter_complex") + 1]
    chains = graph.split(";")
    assert chains[2].startswith("[2:v]setpts=PTS-STARTPTS,scale=320:180")
    assert all("pad=320:180" in chain for chain in chains[:3])
    assert chains[3] == (
        f"[v0][v1][v2]concat=n=3:v=1:a=0,fps={OUTPUT_FPS},scale=trunc(iw/2)*2:trunc(ih/2)*2[out]"
    )
    assert "-c:v libx264" in " ".join(args) and "-movflags +faststart" in " ".join(args)
    assert args[-1] == "/work/out.mp4"
