"""The hourly preview MP4 Frigate's preview recorder writes, from a frames list on stdin."""

from __future__ import annotations

from pathlib import Path

from frigate_media.ffmpeg import concat

# Frigate's preview encode: low bit rate, a keyframe every 40 frames for scrubbing, no B-frames,
# variable frame rate (frames are taken when something changes, at most ~2 per second).
PREVIEW_HEIGHT = 180
KEYFRAME_INTERVAL = 40
BIT_RATE = "9216"  # Frigate's "medium" preview quality


def output_args(target: Path | str) -> list[str]:
    """The encode itself: scaled, VFR H.264 (baseline, one thread), faststart MP4 at `target`."""
    # Landscape frames become 180 px tall, portrait ones 180 px wide (Frigate's PREVIEW_HEIGHT).
    scale = f"scale='if(gte(iw,ih),-2,{PREVIEW_HEIGHT})':'if(gte(iw,ih),{PREVIEW_HEIGHT},-2)'"
    return [
        "-vf",
        scale,
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-profile:v",
        "baseline",
        "-threads",
        "1",
        "-g",
        str(KEYFRAME_INTERVAL),
        "-bf",
        "0",
        "-b:v",
        BIT_RATE,
        "-fps_mode",
        "vfr",
        "-pix_fmt",
        "yuv420p",
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        "-y",
        str(target),
    ]


def encode_args(target: Path | str) -> list[str]:
    """ffmpeg arguments: frames list on stdin → a small VFR H.264 faststart MP4 at `target`."""
    return ["-loglevel", "warning", "-threads", "1", *concat.input_args(), *output_args(target)]
