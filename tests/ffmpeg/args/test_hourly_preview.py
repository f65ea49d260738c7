"""The hourly preview encode: Frigate's small VFR H.264 from a frames list on stdin."""

from __future__ import annotations

from pathlib import Path

from frigate_media.ffmpeg.args.hourly_preview import encode_args


def test_frames_from_stdin_become_a_180_pixel_vfr_faststart_mp4() -> None:
    args = encode_args(Path("/media/clips/previews/front/.part.mp4"))
    joined = " ".join(args)
    assert "-i pipe:0" in joined
    assert args[args.index("-vf") + 1] == ("scale='if(gte(iw,ih),-2,180)':'if(gte(iw,ih),180,-2)'")
    assert "-g 40 -bf 0 -b:v 9216 -fps_mode vfr -pix_fmt yuv420p" in joined
    assert "-movflags +faststart" in joined
    assert args[-1] == "/media/clips/previews/front/.part.mp4"
