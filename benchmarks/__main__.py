"""Entry point of `make bench`: dataset, reference server, frigate-media, every scenario, results.

`BENCH_QUICK=1` runs each scenario for a few seconds (RSS read after 30 s instead of 5 minutes).
`BENCH_ONLY=clips` runs only the clip.mp4 and frame-at-a-time scenarios (issue 17): the
reference, frigate-media, frigate-media on the ffmpeg path and with an empty sample index.
`BENCH_ONLY=footprint` runs only the memory (PSS, RSS) and open files of the server with every
camera live.
"""

from __future__ import annotations

import asyncio
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import clips, scenarios
from benchmarks.dataset import Dataset, DatasetSpec, build_dataset
from benchmarks.load import ensure_wrk
from benchmarks.results import Result, markdown_table, write_results
from benchmarks.scenarios import FRIGATE_LATEST_RPS, Settings
from benchmarks.servers import Server, footprint, start_frigate_media, start_reference
from frigate_media.ffmpeg.binary import resolve_ffmpeg

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RESULTS = HERE / "results"
LATEST_JPG = "/api/{camera}/latest.jpg?height=720"
LATEST_WEBP = "/api/{camera}/latest.webp?height=360"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def reference_images(directory: Path) -> dict[str, Path]:
    """What the do-nothing server serves: the sizes frigate-media is asked for."""
    directory.mkdir(parents=True, exist_ok=True)
    source = "testsrc2=size=1280x720:rate=1"
    wanted = {
        "jpeg": (directory / "latest-720.jpg", ["-q:v", "5"]),
        "webp": (directory / "latest-360.webp", ["-vf", "scale=640:360", "-quality", "70"]),
        "mjpeg": (directory / "mjpeg-360.jpg", ["-vf", "scale=640:360", "-q:v", "5"]),
    }
    for path, options in wanted.values():
        if not path.exists():
            subprocess.run(
                [resolve_ffmpeg("default"), "-hide_banner", "-loglevel", "error", "-y",
                 "-f", "lavfi", "-i", source, "-frames:v", "1", *options, str(path)],
                check=True, stdin=subprocess.DEVNULL, timeout=60,
            )  # fmt: skip
    return {name: path for name, (path, _) in wanted.items()}


async def live_scenarios(
    server: Server, settings: Settings, cameras: tuple[str, ...]
) -> list[Result]:
    camera = cameras[0]
    results = []
    for connections in (1, 8, 32):
        name = f"latest.jpg?height=720, {connections} connections"
        log(f"{server.name}: {name}")
        path = LATEST_JPG.format(camera=camera)
        results.append(await scenarios.throughput(server, settings, name, path, connections))
    name = "latest.webp?height=360, 8 connections"
    log(f"{server.name}: {name}")
    path = LATEST_WEBP.format(camera=camera)
    results.append(await scenarios.throughput(server, settings, name, path, 8))
    for viewers in (10, 50, 200):
        log(f"{server.name}: MJPEG {viewers} viewers")
        results.append(await scenarios.mjpeg(server, settings, cameras, viewers))
    return results


async def recording_scenarios(
    server: Server, settings: Settings, dataset: Dataset, workdir: Path
) -> list[Result]:
    steps: list[tuple[str, Any]] = [
        ("VOD JSON 1 h", lambda: scenarios.vod_json(server, settings, dataset, 1)),
        ("VOD JSON 24 h", lambda: scenarios.vod_json(server, settings, dataset, 24)),
        ("HLS", lambda: scenarios.hls(server, settings, dataset)),
        ("preview.gif", lambda: scenarios.preview_gif(server, settings, dataset)),
    ]
    results = []
    for label, step in steps:
        log(f"{server.name}: {label}")
        try:
            results.append(await step())
        except Exception as error:  # a broken scenario is reported, the run goes on
            results.append(Result(scenario=label, server=server.name, status="failed",
                                  notes=[f"{type(error).__name__}: {error}"]))  # fmt: skip
    return results


DISK = "bytes written to disk during the clip scenarios"
SLOW_24H = "RSS while a slow client reads a 24-h clip.mp4"


async def clip_scenarios(
    server: Server, settings: Settings, dataset: Dataset, workdir: Path, kind: str
) -> list[Result]:
    """Issue 17's clip and frame scenarios on one server. `kind`: "virtual" (frigate-media, its
    index filled at start), "ffmpeg" (the previous path), "not indexed" (an empty index) or
    "reference" (the do-nothing server)."""
    count = 6 if settings.quick else 20
    skip = settings.repeats  # clip_mp4 takes the newest hours

    async def clip_part() -> list[Result]:
        found: list[Result] = []
        if kind != "not indexed":
            log(f"{server.name}: clip.mp4 1 h")
            found.append(
                await scenarios.clip_mp4(
                    server, settings, dataset, workdir, verify=kind != "reference", target=""
                )
            )
        log(f"{server.name}: Range 1 MiB")
        if kind == "ffmpeg":  # each first Range builds a 1-h copy: fewer clips
            starts = clips.hour_starts(dataset, 2 if settings.quick else 4, skip)
        else:
            starts = clips.hour_starts(dataset, count, 0 if kind == "not indexed" else skip)
        index = "not indexed" if kind == "not indexed" else "indexed"
        name = f"clip.mp4 1 h, Range 1 MiB ({index})"
        found.append(await clips.range_1mib(server, dataset, name, starts))
        return found

    disk, results = await clips.disk_written(server, DISK, clip_part)
    if kind != "reference":
        results.append(disk)
    if kind == "not indexed":
        return results
    log(f"{server.name}: a slow client on 24 h")
    results.append(await clips.slow_reader_rss(server, settings, dataset, SLOW_24H))
    for concurrency in (1, 4):
        log(f"{server.name}: frame at a time ×{concurrency}")
        results.append(await scenarios.frame_at_time(server, settings, dataset, concurrency))
    return results


async def comparison_servers(settings: Settings, dataset: Dataset, workdir: Path) -> list[Result]:
    """The previous ffmpeg path, and a server whose sample index starts empty."""
    results: list[Result] = []
    ffmpeg_limits = {"virtual_mp4": False, "frames_in_process": False}
    for kind, name, limits in (
        ("ffmpeg", "frigate-media (ffmpeg path)", ffmpeg_limits),
        ("not indexed", "frigate-media (not indexed)", {"clip_index_hours": 0}),
    ):
        server = await start_frigate_media(
            dataset, workdir, live_cameras=0, limits=limits, name=name
        )
        log(f"{name} on port {server.port}")
        try:
            results += await clip_scenarios(server, settings, dataset, workdir, kind)
        finally:
            server.stop()
    return results


def one_hour_mib(dataset: Dataset) -> int:
    """About the size of a 1-h clip of the real camera (for the reference's clip bytes)."""
    pool = sorted((dataset.media / "recordings").rglob("*.mp4"))[:60]
    average = sum(path.stat().st_size for path in pool) / max(1, len(pool))
    return max(1, round(average * 360 / 2**20))


async def footprint_result(server: Server, settings: Settings) -> Result:
    remaining = settings.rss_after - (time.monotonic() - server.started)
    if remaining > 0:
        log(f"waiting {remaining:.0f} s so the server has run {settings.rss_after:.0f} s")
        await asyncio.sleep(remaining)
    uptime = time.monotonic() - server.started
    figures = footprint(server.process.pid)
    label = f"{uptime / 60:.1f} min" if uptime >= 60 else f"{uptime:.0f} s"
    # Judged by PSS: RSS summed over processes counts the pages they share (the four decoders
    # run one static ffmpeg binary, ~26 MiB of text each) once per process.
    result = Result(
        scenario=f"Memory (PSS) and open files, 4 cameras 1280x720 5 fps, after {label}",
        server=server.name, metric="MiB PSS", value=figures["total_pss_mib"], repeats=1,
        target="≤ 400 MB", details=figures,
    )  # fmt: skip
    result.low = result.high = result.value
    result.met = figures["total_pss_mib"] * 1.048576 <= 400
    result.notes.append(
        f"PSS server {figures['server_pss_mib']:.0f} MiB + {figures['children']} children "
        f"({', '.join(figures['child_names']) or 'none'}) {figures['children_pss_mib']:.0f} MiB; "
        f"RSS summed (shared pages counted per process): {figures['total_rss_mib']:.0f} MiB "
        f"(server {figures['server_rss_mib']:.0f} + children "
        f"{figures['children_rss_mib']:.0f}); open files: server {figures['server_fds']}, "
        f"children {figures['children_fds']}"
    )
    return result


async def footprint_scenario(dataset: Dataset, workdir: Path, settings: Settings) -> Result:
    """The footprint of a server with every camera of the dataset live."""
    server = await start_frigate_media(dataset, workdir, live_cameras=len(dataset.spec.cameras))
    log(f"frigate-media (all cameras live) on port {server.port}")
    try:
        return await footprint_result(server, settings)
    finally:
        server.stop()


def compare(results: list[Result], reference: list[Result]) -> None:
    """Live rows as a fraction of the do-nothing server, and the live targets."""
    by_name = {r.scenario: r for r in reference if r.status == "ok"}
    for result in results:
        ref = by_name.get(result.scenario)
        if result.status != "ok" or ref is None or not ref.value:
            continue
        result.vs_reference = result.value / ref.value
        if result.scenario.startswith("latest.jpg") and result.scenario.endswith(" 32 connections"):
            result.target = (
                f"≥ {10 * FRIGATE_LATEST_RPS:.0f} req/s (10× Frigate), ≥ 50 % of reference, "
                "probe p99 ≤ 2× reference"
            )
            probe_ok = result.probe_p99_ms <= 2 * ref.probe_p99_ms
            result.met = (
                result.value >= 10 * FRIGATE_LATEST_RPS and result.vs_reference >= 0.5 and probe_ok
            )
            result.notes.append(
                f"{result.value / FRIGATE_LATEST_RPS:.1f}× Frigate's 64 req/s; probe p99 "
                f"{result.probe_p99_ms:.1f} ms vs reference {ref.probe_p99_ms:.1f} ms"
            )
        if result.scenario.startswith("MJPEG") and ", 200 viewers" in result.scenario:
            result.target = "≥ 95 % of reference fps"
            result.met = result.vs_reference >= 0.95


def _command(*args: str) -> str:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return (
        (done.stdout or done.stderr).strip().splitlines()[0]
        if (done.stdout or done.stderr)
        else "?"
    )


def machine() -> dict[str, Any]:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(int(memory) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "ffmpeg": _command(resolve_ffmpeg("default"), "-version"),
        "load_average_at_start": os.getloadavg(),
        "commit": _command("git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"),
    }


def header(settings: Settings, wrk_note: str, meta: dict[str, Any], dataset: Dataset) -> str:
    m = meta["machine"]
    load = ", ".join(f"{x:.2f}" for x in m["load_average_at_start"])
    return "\n".join([
        f"## Benchmark results — {meta['date']} ({'quick' if settings.quick else 'full'} run)",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {m['python']}; "
        f"{m['ffmpeg']}; load average at start {load}; commit {m['commit']}",
        f"- Load generator: {wrk_note}; repeats {settings.repeats} × {settings.seconds:g} s "
        f"(MJPEG {settings.mjpeg_seconds:g} s after {settings.mjpeg_warmup:g} s warm-up)",
        f"- Dataset: {dataset.recordings_rows:,} recordings rows over "
        f"{len(dataset.spec.cameras)} cameras × {dataset.spec.days:g} days "
        f"(generated in {dataset.build_seconds:.0f} s, rows inserted in "
        f"{dataset.insert_seconds:.1f} s); real files for the last "
        f"{(dataset.end_time - dataset.real_start) / 3600:g} h of {dataset.spec.real_camera}",
        "- Result is the median over repeats with min–max beside it; p50/p99 are request "
        "latencies pooled over repeats; the probe is GET /api/version every 50 ms during the run.",
    ])  # fmt: skip


async def main_async(settings: Settings, wrk_note: str) -> int:
    log("dataset: building or reusing benchmarks/data/dataset")
    dataset = build_dataset(DATA / "dataset", DatasetSpec())
    log(f"dataset: {dataset.recordings_rows:,} rows (built in {dataset.build_seconds:.0f} s)")
    workdir = DATA / "run"
    workdir.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": settings.quick,
        "load_generator": wrk_note,
        "machine": machine(),
        "dataset": dataset.to_json(),
    }
    meta["dataset"].pop("event_ids", None)

    only = os.environ.get("BENCH_ONLY", "")
    if only == "footprint":
        return report(settings, wrk_note, meta, dataset, [
            await footprint_scenario(dataset, workdir, settings)
        ], "footprint")  # fmt: skip
    only_clips = only == "clips"
    images = reference_images(DATA / "reference")
    reference = await start_reference(images, workdir, clip_mib=one_hour_mib(dataset))
    try:
        log(f"reference server on port {reference.port}")
        reference_results = []
        if not only_clips:
            reference_results = await live_scenarios(reference, settings, dataset.spec.cameras[:1])
        reference_results += await clip_scenarios(
            reference, settings, dataset, workdir, "reference"
        )
        reference_results.append(footprint_result_quick(reference))
    finally:
        reference.stop()

    # The live targets are stated for one 1280x720@5 camera; the footprint for four.
    results: list[Result] = []
    if not only_clips:
        server = await start_frigate_media(dataset, workdir, live_cameras=1)
        log(f"frigate-media (1 live camera) on port {server.port} (log {server.log})")
        try:
            await clips.wait_for_index(server, dataset)  # the start-up indexing is no live load
            results += await live_scenarios(server, settings, dataset.spec.cameras[:1])
            compare(results, reference_results)
            results += await recording_scenarios(server, settings, dataset, workdir)
            log("overlap query in-process")
            results.append(await asyncio.to_thread(scenarios.overlap_query, dataset, settings))
        finally:
            server.stop()
    # The clip and frame scenarios: the same server without live cameras, beside the ffmpeg path
    # and an empty index (also without), so the path is the one difference between them.
    server = await start_frigate_media(dataset, workdir, live_cameras=0)
    log(f"frigate-media (no live camera) on port {server.port} (log {server.log})")
    try:
        index_note = await clips.wait_for_index(server, dataset)
        log(index_note)
        found = await clip_scenarios(server, settings, dataset, workdir, "virtual")
        for result in found:
            if result.scenario.startswith("clip.mp4 1 h, Range"):
                result.notes.append(index_note)
        results += found
    finally:
        server.stop()
    results += await comparison_servers(settings, dataset, workdir)
    clips.clip_targets(results)
    clips.versus_reference(results, reference_results)
    if not only_clips:
        results.append(await footprint_scenario(dataset, workdir, settings))
    ordered = _interleave(results, reference_results)
    return report(settings, wrk_note, meta, dataset, ordered, "clips" if only_clips else "")


def report(
    settings: Settings,
    wrk_note: str,
    meta: dict[str, Any],
    dataset: Dataset,
    ordered: list[Result],
    only: str,
) -> int:
    """Print the table and write it as `latest[-<only>]` and a timestamped copy."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + ("-quick" if settings.quick else "")
    stamp += f"-{only}" if only else ""
    latest = f"latest-{only}" if only else "latest"
    markdown, jsonl = write_results(
        RESULTS, stamp, header(settings, wrk_note, meta, dataset), ordered, meta, latest
    )
    print()
    print(markdown_table(ordered))
    print()
    log(f"written {markdown} and {jsonl}")
    return 0


def footprint_result_quick(server: Server) -> Result:
    figures = footprint(server.process.pid)
    result = Result(scenario="RSS and open files (idle)", server=server.name, metric="MiB RSS",
                    value=figures["total_rss_mib"], repeats=1, details=figures)  # fmt: skip
    result.notes.append(f"open files: {figures['server_fds']}")
    return result


def _interleave(results: list[Result], reference: list[Result]) -> list[Result]:
    """The rows of one scenario together (in the order scenarios first ran), the reference's
    last in each group."""
    groups: dict[str, list[Result]] = {}
    for result in [*results, *reference]:
        groups.setdefault(result.scenario, []).append(result)
    return [result for group in groups.values() for result in group]


def main() -> int:
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    wrk, wrk_note = ensure_wrk()
    log(wrk_note)
    settings = Settings.make(quick, wrk)
    return asyncio.run(main_async(settings, wrk_note))


if __name__ == "__main__":
    sys.exit(main())
