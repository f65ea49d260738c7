"""Latency of a 20-s preview GIF (and MP4) from a realistic hourly preview and from cached frames.

Run: .venv/bin/python -m benchmarks.previews_gif  (prints median and p90 in milliseconds)
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from PIL import Image

from frigate_media.app import build_context
from frigate_media.clock import FixedClock
from frigate_media.config import parse_config
from frigate_media.ffmpeg.args import hourly_preview
from frigate_media.ffmpeg.binary import resolve_ffmpeg
from frigate_media.services.previews import encodes
from frigate_media.services.previews.frames import frame_name
from frigate_media.storage.models import Previews

HOUR = 3600.0
T0 = 1_700_000_000.0 - (1_700_000_000.0 % HOUR)
RUNS = 15


def make_hourly_preview(target: Path) -> None:
    """One hour at 1 fps, 320x180, encoded the way the hourly writer encodes previews."""
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            resolve_ffmpeg("default"),
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x180:rate=1",
            "-t",
            "3600",
            *hourly_preview.output_args(target),
        ],
        check=True,
    )


def summary(label: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return f"{label}: median {statistics.median(ordered) * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms"


async def measure(root: Path) -> list[str]:
    config = parse_config(
        {
            "mode": "standalone",
            "database": {"path": str(root / "frigate.db")},
            "paths": {"media": str(root / "media"), "cache": str(root / "cache")},
            "auth": {"enabled": False},
            "cameras": {"front": {"detect": {"width": 640, "height": 360}}},
        }
    )
    context = build_context(config, clock=FixedClock(T0 + 1800))
    try:
        preview = context.paths.previews / "front" / f"{T0 - HOUR}-{T0}.mp4"
        make_hourly_preview(preview)
        Previews.insert(
            id=f"front_{T0}",
            camera="front",
            path=str(preview),
            start_time=T0 - HOUR,
            end_time=T0,
            duration=HOUR,
        ).execute()
        for second in range(0, 1800):
            Image.new("RGB", (320, 180), (second % 256, 80, 160)).save(
                context.paths.preview_frames / frame_name("front", T0 + second), "WEBP"
            )
        results: dict[str, list[float]] = {"gif hour": [], "mp4 hour": [], "gif frames": []}
        for run in range(RUNS):
            start = T0 - HOUR + 100 + run * 200.5  # a new range each time: no reuse
            began = time.perf_counter()
            await encodes.gif(context, "front", start, start + 20)
            results["gif hour"].append(time.perf_counter() - began)
            began = time.perf_counter()
            await encodes.mp4(context, "front", start, start + 20)
            results["mp4 hour"].append(time.perf_counter() - began)
            began = time.perf_counter()
            await encodes.gif(context, "front", T0 + 60 * run, T0 + 60 * run + 20)
            results["gif frames"].append(time.perf_counter() - began)
        return [summary(f"20-s {label}", samples) for label, samples in results.items()]
    finally:
        await context.stop()


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        for line in asyncio.run(measure(Path(directory))):
            print(line)


if __name__ == "__main__":
    main()
