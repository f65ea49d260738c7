"""Virtual MP4 and in-process frame figures: assembly (index cold, on disk, in memory), 1 MiB
ranges, streaming, moov sizes for 1 h / 24 h, frame decode p50.

`python -m benchmarks.mp4_virtual [workdir]` prints a JSON report; `measure(workdir)` returns it.
Segments are a small pool of real encodes hard-linked under many names, as `dataset.py` does.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from frigate_media.ffmpeg.binary import resolve_ffmpeg
from frigate_media.frames.recorded import decode_frame
from frigate_media.mp4.assemble import FileTables, assemble, plan_identities
from frigate_media.mp4.index import SampleIndex

SEGMENT_SECONDS = 10
POOL = 6


@dataclass(frozen=True)
class Clip:
    """A PlannedClip look-alike (the assembler takes any object with these fields)."""

    path: str
    recording_start: float
    clip_from_ms: int | None
    duration_ms: int


@dataclass(frozen=True)
class Plan:
    start: float
    clips: tuple[Clip, ...]


def encode_pool(directory: Path, fps: int, width: int, height: int, audio: bool) -> list[Path]:
    """POOL consecutive 10-s segments cut by ffmpeg's segment muxer (the recorder's way)."""
    target = directory / f"pool_{fps}fps_{width}x{height}{'_a' if audio else ''}"
    if (target / "done").exists():
        return sorted(target.glob("*.mp4"))
    target.mkdir(parents=True, exist_ok=True)
    args = [resolve_ffmpeg("default"), "-hide_banner", "-loglevel", "error", "-y"]
    args += ["-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}"]
    if audio:
        args += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    args += ["-t", str(POOL * SEGMENT_SECONDS), "-c:v", "libx264", "-preset", "veryfast"]
    args += ["-pix_fmt", "yuv420p", "-g", str(2 * fps), "-keyint_min", str(2 * fps)]
    args += ["-sc_threshold", "0", "-bf", "0"]
    args += ["-c:a", "aac", "-b:a", "64k"] if audio else []
    args += ["-f", "segment", "-segment_time", str(SEGMENT_SECONDS), "-segment_format", "mp4"]
    args += ["-reset_timestamps", "1", "-segment_format_options", "movflags=+faststart"]
    subprocess.run([*args, str(target / "%02d.mp4")], check=True, timeout=600)
    (target / "done").touch()
    return sorted(target.glob("*.mp4"))


def linked_hours(pool: list[Path], directory: Path, hours: float) -> list[Path]:
    """One name per 10-s segment for `hours`, hard-linked to the pool (distinct index keys)."""
    count = int(hours * 3600 / SEGMENT_SECONDS)
    target = directory / f"{pool[0].parent.name}_{count}"
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = target / f"{index:05d}.mp4"
        if not path.exists():
            os.link(pool[index % len(pool)], path)
        paths.append(path)
    return paths


def plan_for(paths: list[Path], start: float = 4.5, end_cut: float = 3.3) -> Plan:
    """From `start` s into the first file to `end_cut` s into the last, cut as the VOD plan cuts."""
    clips = [Clip(str(p), i * 10.0, None, 10_000) for i, p in enumerate(paths)]
    clips[0] = Clip(clips[0].path, 0.0, 4000, 6000)  # the keyframe before 4.5 (2-s GOP)
    clips[-1] = Clip(clips[-1].path, clips[-1].recording_start, None, round(end_cut * 1000))
    return Plan(start, tuple(clips))


def timed(action: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """(median seconds, last result) of `repeat` runs."""
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def measure(workdir: Path) -> dict[str, Any]:
    """Every figure of this module, as a JSON-ready dict."""
    workdir.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {}
    pool = encode_pool(workdir, 5, 1280, 720, audio=False)
    hour = linked_hours(pool, workdir, 1)
    plan = plan_for(hour)
    identities = plan_identities(plan)

    index_dir = Path(tempfile.mkdtemp(prefix="vmp4-index-", dir=workdir))
    index = SampleIndex(index_dir)
    cold, virtual = timed(lambda: assemble(plan, index, identities=identities))
    memory, _ = timed(lambda: assemble(plan, index, identities=identities), repeat=5)
    index.close()
    disk_index = SampleIndex(index_dir)  # a new process: the tables are on disk, not in memory
    on_disk, _ = timed(lambda: assemble(plan, disk_index, identities=identities))
    with_stat, _ = timed(lambda: assemble(plan, disk_index), repeat=5)
    no_index, _ = timed(lambda: assemble(plan, FileTables(), identities=identities), repeat=3)
    stats = disk_index.stats()
    disk_index.close()
    shutil.rmtree(index_dir)
    report["assemble_1h_ms"] = {
        "index_cold (read every moov, store)": round(cold * 1000, 1),
        "index_on_disk (new process)": round(on_disk * 1000, 1),
        "index_in_memory (warm)": round(memory * 1000, 1),
        "index_in_memory + stat of 360 files": round(with_stat * 1000, 1),
        "no_index (parse every moov)": round(no_index * 1000, 1),
    }
    report["index_bytes_per_segment_5fps_video"] = round(stats.bytes / stats.entries)
    report["clip_1h"] = {
        "size_mib": round(virtual.size / 2**20, 1),
        "moov_kib": round(len(virtual.header) / 1024, 1),
        "duration_s": round(virtual.duration, 3),
    }

    rng = random.Random(1)
    latencies = []
    for _ in range(200):
        first = rng.randrange(0, virtual.size - 2**20)
        began = time.perf_counter()
        virtual.read(first, first + 2**20)
        latencies.append(time.perf_counter() - began)
    latencies.sort()
    report["range_1mib_ms"] = {
        "p50": round(latencies[100] * 1000, 2),
        "p99": round(latencies[198] * 1000, 2),
    }
    began = time.perf_counter()
    total = sum(len(chunk) for chunk in virtual.iter_range())
    report["stream_whole_clip_mib_s"] = round(total / 2**20 / (time.perf_counter() - began))

    report["moov_kib"] = {}
    for fps, audio in ((5, False), (5, True), (30, False), (30, True)):
        small = encode_pool(workdir, fps, 320, 240, audio=audio)
        for hours in (1, 24):
            paths = linked_hours(small, workdir, hours)
            plan_hours = plan_for(paths)
            tables = SampleIndex(Path(tempfile.mkdtemp(prefix="vmp4-moov-", dir=workdir)))
            built = assemble(plan_hours, tables, max_moov_bytes=2**31)
            tables.close()
            shutil.rmtree(tables.path.parent)
            label = f"{hours}h {fps}fps {'+AAC' if audio else 'video only'}"
            report["moov_kib"][label] = round(len(built.header) / 1024)

    decode: dict[str, float] = {}
    for fmt in ("jpg", "png"):
        times = []
        for _ in range(40):
            path = str(rng.choice(pool))
            offset = rng.uniform(0, 9.9)
            began = time.perf_counter()
            decode_frame(path, offset, fmt=fmt)
            times.append(time.perf_counter() - began)
        decode[f"{fmt}_720p_p50_ms"] = round(statistics.median(times) * 1000, 1)
    report["frame_decode"] = decode
    return report


def main() -> None:
    workdir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "data" / "mp4"
    print(json.dumps(measure(workdir), indent=2))


if __name__ == "__main__":
    main()
