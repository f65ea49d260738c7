"""Preview GIFs and MP4s of a time range: parts of hourly preview files, then cached frames.

Frigate's preview timing: each cached frame shows for 0.12 s, hourly previews are sped up by the
same factor, and the output runs at 8 fps.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from frigate_media.ffmpeg import concat

FRAME_SECONDS = 0.12
OUTPUT_FPS = 8


class Trim(Protocol):
    """The part of one input file to use: from `offset` s, for `duration` s."""

    @property
    def path(self) -> str: ...

    @property
    def offset(self) -> float: ...

    @property
    def duration(self) -> float: ...


def _scale(size: tuple[int, int] | None) -> str:
    if size is None:
        return ""
    width, height = size
    return (
        f",scale={width}:{height}:force_original_aspect_ratio=decrease,"
        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1"
    )


def input_args(
    trims: Sequence[Trim], frames: bool, size: tuple[int, int] | None
) -> tuple[list[str], str]:
    """ffmpeg inputs and the filter graph ending in [out]: each trim of an hourly preview, then
    (with `frames`) a concat list of frames on stdin; all scaled into `size` when given."""
    args: list[str] = []
    chains: list[str] = []
    scale = _scale(size)
    for index, trim in enumerate(trims):
        # -ss before -i seeks to the keyframe and then decodes up to the exact time.
        args += ["-ss", f"{trim.offset:.3f}", "-t", f"{trim.duration:.3f}", "-i", trim.path]
        chains.append(f"[{index}:v]setpts={FRAME_SECONDS}*(PTS-STARTPTS){scale}[v{index}]")
    if frames:
        index = len(trims)
        args += concat.input_args()
        chains.append(f"[{index}:v]setpts=PTS-STARTPTS{scale}[v{index}]")
    count = len(trims) + (1 if frames else 0)
    joined = "".join(f"[v{i}]" for i in range(count))
    if count > 1:
        chains.append(f"{joined}concat=n={count}:v=1:a=0,fps={OUTPUT_FPS}[out]")
    else:
        chains.append(f"[v0]fps={OUTPUT_FPS}[out]")
    return ["-loglevel", "warning", *args], ";".join(chains)


def gif_args(trims: Sequence[Trim], frames: bool, size: tuple[int, int] | None) -> list[str]:
    """An animated, looping GIF on stdout."""
    inputs, graph = input_args(trims, frames, size)
    output = ["-loop", "0", "-c:v", "gif", "-f", "gif", "-"]
    return [*inputs, "-filter_complex", graph, "-map", "[out]", *output]


def mp4_args(
    trims: Sequence[Trim],
    frames: bool,
    size: tuple[int, int] | None,
    target: Path | str,
    *,
    max_bytes: int | None = None,
) -> list[str]:
    """A faststart H.264 MP4 at `target`; with `max_bytes`, ffmpeg stops writing there (`-fs`:
    the room reserved for it in the cache)."""
    inputs, graph = input_args(trims, frames, size)
    # libx264 with yuv420p needs even dimensions.
    graph = graph.replace("[out]", ",scale=trunc(iw/2)*2:trunc(ih/2)*2[out]")
    output = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
    if max_bytes is not None:
        output += ["-fs", str(max_bytes)]
    output += ["-movflags", "+faststart", "-f", "mp4", "-y", str(target)]
    return [*inputs, "-filter_complex", graph, "-map", "[out]", *output]
