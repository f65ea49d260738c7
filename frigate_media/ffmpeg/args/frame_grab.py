"""One frame of a recording as an image on stdout."""

from __future__ import annotations


def grab_args(path: str, position: float, codec: str, height: int | None) -> list[str]:
    """ffmpeg arguments for the single frame at `position` seconds of `path` on stdout.

    The seek is on the input (`-ss` before `-i`, seconds as `%.6f`): fast, and exact past 60 s
    and for tiny offsets.
    """
    args = ["-loglevel", "error", "-ss", f"{position:.6f}", "-i", path, "-frames:v", "1"]
    args += ["-an", "-c:v", codec]
    if codec == "mjpeg":
        args += ["-q:v", "2", "-pix_fmt", "yuvj420p"]
    if height is not None:
        # Width follows the aspect ratio, rounded to even so every pixel format accepts it.
        args += ["-vf", f"scale=-2:{height}"]
    return [*args, "-f", "image2pipe", "pipe:1"]
