"""Recorder-like segment sets: one encode cut by ffmpeg's segment muxer into 10-s MP4 files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.support.media import run_ffmpeg


@dataclass(frozen=True)
class SegmentSpec:
    """A continuous encode of `count` segments, cut the way Frigate's record preset cuts."""

    count: int = 3
    seconds: int = 10
    fps: int = 5
    width: int = 320
    height: int = 240
    gop_seconds: float = 1.0
    bframes: bool = False
    audio: bool = False
    faststart: bool = True  # our recorder's option; Frigate's own segments keep moov at the end
    codec: str = "libx264"
    timescale: int | None = None  # the mp4 muxer's video_track_timescale
    open_gop: bool = False  # x265 only: leading pictures that refer to the previous GOP
    extra: tuple[str, ...] = ()  # more output options (e.g. a track timescale)

    def name(self) -> str:
        flags = "".join(
            flag
            for flag, on in (
                ("a", self.audio),
                ("b", self.bframes),
                ("f", self.faststart),
                ("o", self.open_gop),
            )
            if on
        )
        extra = "-".join(part.strip("-").replace(":", "") for part in self.extra)
        extra += f"t{self.timescale}" if self.timescale else ""
        return (
            f"seg_{self.codec}_{self.count}x{self.seconds}_{self.fps}fps_{self.width}x{self.height}"
            f"_g{self.gop_seconds:g}_{flags}{'_' + extra if extra else ''}"
        )


def make_segments(directory: Path, spec: SegmentSpec = SegmentSpec()) -> list[Path]:
    """Encode and segment once per spec; the files in play order."""
    target = directory / spec.name()
    done = target / "done"
    if not done.exists():
        target.mkdir(parents=True, exist_ok=True)
        gop = max(1, round(spec.gop_seconds * spec.fps))
        args = ["-f", "lavfi", "-i", f"testsrc2=size={spec.width}x{spec.height}:rate={spec.fps}"]
        if spec.audio:
            args += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
        args += ["-t", str(spec.count * spec.seconds), "-c:v", spec.codec, "-pix_fmt", "yuv420p"]
        args += ["-preset", "veryfast", "-g", str(gop), "-keyint_min", str(gop)]
        if spec.codec == "libx264":
            args += ["-sc_threshold", "0", "-bf", "2" if spec.bframes else "0"]
        else:
            bframes = "4" if spec.bframes else "0"
            gop_kind = "1" if spec.open_gop else "0"
            params = f"log-level=error:scenecut=0:bframes={bframes}:open-gop={gop_kind}"
            args += ["-x265-params", params]
            args += ["-tag:v", "hvc1"]
        if spec.audio:
            args += ["-c:a", "aac", "-b:a", "64k"]
        args += [*spec.extra, "-f", "segment", "-segment_time", str(spec.seconds)]
        args += ["-segment_format", "mp4", "-reset_timestamps", "1"]
        options = ["movflags=+faststart"] if spec.faststart else []
        if spec.timescale:
            options.append(f"video_track_timescale={spec.timescale}")
        if options:
            args += ["-segment_format_options", ":".join(options)]
        run_ffmpeg(*args, str(target / "%02d.mp4"))
        done.touch()
    return sorted(target.glob("*.mp4"))
