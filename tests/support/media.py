"""Real media made with the real ffmpeg: test clips, recordings in Frigate's layout, images."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from frigate_media.ffmpeg.binary import resolve_ffmpeg


def ffmpeg_binary() -> str:
    return resolve_ffmpeg("default")


def run_ffmpeg(*args: str) -> None:
    subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y", *args],
        check=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


@dataclass(frozen=True)
class ClipSpec:
    """What a generated H.264 clip looks like."""

    seconds: float = 10.0
    fps: int = 5
    width: int = 320
    height: int = 240
    gop_seconds: float = 1.0
    audio: bool = False
    bframes: bool = False

    def file_name(self) -> str:
        return (
            f"clip_{self.seconds:g}s_{self.fps}fps_{self.width}x{self.height}_g{self.gop_seconds:g}"
            f"{'_a' if self.audio else ''}{'_b' if self.bframes else ''}.mp4"
        )


def make_clip(directory: Path, spec: ClipSpec = ClipSpec(), offset: float = 0.0) -> Path:
    """Encode a testsrc2 clip (optionally with a sine audio track) as a faststart MP4.

    `offset` starts the test pattern's clock later, so consecutive clips look like one
    continuous recording.
    """
    target = directory / (f"o{offset:g}_" + spec.file_name())
    if target.exists():
        return target
    gop = max(1, round(spec.gop_seconds * spec.fps))
    args = [
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={spec.width}x{spec.height}:rate={spec.fps}",
    ]
    if spec.audio:
        args += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    if offset:
        args = ["-ss", f"{offset:g}", *args]
    args += [
        "-t",
        f"{spec.seconds:g}",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-pix_fmt",
        "yuv420p",
        "-g",
        str(gop),
        "-keyint_min",
        str(gop),
        "-sc_threshold",
        "0",
    ]
    if not spec.bframes:
        args += ["-bf", "0"]
    if spec.audio:
        args += ["-c:a", "aac", "-b:a", "64k", "-shortest"]
    tmp = target.with_suffix(".part.mp4")
    run_ffmpeg(*args, "-movflags", "+faststart", str(tmp))
    tmp.rename(target)
    return target


def make_image(path: Path, width: int = 640, height: int = 360) -> Path:
    """A single testsrc2 frame written in the format named by `path`'s extension."""
    path.parent.mkdir(parents=True, exist_ok=True)
    run_ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=1", "-frames:v", "1", str(path)
    )
    return path
