"""Quick figures for the recordings routes: `python -m benchmarks.recordings_figures [workdir]`.

Builds a DB of 1M recordings rows (4 cameras x 30 days x 10-s segments; the last hour of camera
`cam0` is real files) and times the overlap query, the VOD plan/JSON, clip.mp4's first byte and
throughput, and concurrent frame grabs.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from frigate_media.services.recordings import query
from frigate_media.services.recordings.vod import build_plan
from frigate_media.storage.db import frigate_schema_sql, open_database
from frigate_media.workers.recording.layout import recording_path
from tests.support.media import ClipSpec, make_clip

CAMERAS = 4
DAYS = 30
SEGMENT = 10.0
END = 1_719_000_000.0
START = END - DAYS * 86_400


def build_db(root: Path) -> Path:
    db_path = root / "config" / "frigate.db"
    db_path.parent.mkdir(parents=True, exist_ok=True)
    clip = make_clip(root, ClipSpec(seconds=10, fps=5, width=640, height=360, gop_seconds=1))
    connection = sqlite3.connect(db_path)
    connection.executescript(frigate_schema_sql())
    real_from = END - 3610  # the hour and the segment touching it
    rows = []
    for camera in range(CAMERAS):
        name = f"cam{camera}"
        moment = START
        while moment < END:
            path = recording_path(root / "media" / "recordings", name, moment)
            if camera == 0 and moment >= real_from:
                path.parent.mkdir(parents=True, exist_ok=True)
                if not path.exists():
                    path.hardlink_to(clip)
            rows.append((f"{moment}-{name}", name, str(path), moment, moment + SEGMENT, SEGMENT))
            moment += SEGMENT
    connection.executemany(
        "INSERT INTO recordings (id, camera, path, start_time, end_time, duration, objects,"
        " motion, segment_size, dBFS, regions) VALUES (?, ?, ?, ?, ?, ?, 0, 0, 1, 0, 0)",
        rows,
    )
    connection.commit()
    connection.close()
    print(f"rows: {len(rows)}")
    return db_path


def timed(label: str, function: Callable[[], object], repeat: int = 20) -> None:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        samples.append((time.perf_counter() - began) * 1000)
    print(f"{label}: median {statistics.median(samples):.2f} ms, max {max(samples):.2f} ms")


def http_figures(root: Path) -> None:
    import yaml

    from tests.conftest import base_config_dict, deep_merge, start_server, stop_server

    config = deep_merge(
        base_config_dict(root),
        {"cameras": {f"cam{i}": {"ffmpeg": {"inputs": []}} for i in range(CAMERAS)}},
    )
    config["cameras"].pop("front")
    config["cameras"].pop("back")
    config["auth"]["roles"] = {}
    del yaml
    server = start_server(config, root)
    try:
        s, e = END - 3600, END - 0.001
        timed(
            "HTTP VOD JSON 1 h", lambda: httpx.get(server.url(f"/api/vod/cam0/start/{s}/end/{e}"))
        )
        timed(
            "HTTP VOD JSON 24 h",
            lambda: httpx.get(server.url(f"/api/vod/cam1/start/{END - 86400}/end/{END}")),
            repeat=5,
        )
        firsts, rates = [], []
        for _ in range(3):
            began = time.perf_counter()
            total = 0
            first = None
            with httpx.stream(
                "GET", server.url(f"/api/cam0/start/{s}/end/{e}/clip.mp4"), timeout=60
            ) as r:
                for chunk in r.iter_bytes():
                    if first is None:
                        first = time.perf_counter() - began
                    total += len(chunk)
            elapsed = time.perf_counter() - began
            firsts.append((first or 0) * 1000)
            rates.append(total / elapsed / 2**20)
        print(
            f"clip.mp4 1 h: first byte median {statistics.median(firsts):.0f} ms, "
            f"{statistics.median(rates):.0f} MiB/s, {total / 2**20:.1f} MiB"
        )
        began = time.perf_counter()
        ranged = httpx.get(
            server.url(f"/api/cam0/start/{s}/end/{e}/clip.mp4"),
            headers={"range": "bytes=0-1"},
            timeout=120,
        )
        print(
            f"clip.mp4 1 h Range, first build: {(time.perf_counter() - began) * 1000:.0f} ms ({ranged.status_code})"
        )
        began = time.perf_counter()
        httpx.get(
            server.url(f"/api/cam0/start/{s}/end/{e}/clip.mp4"), headers={"range": "bytes=0-1"}
        )
        print(f"clip.mp4 1 h Range, cached: {(time.perf_counter() - began) * 1000:.1f} ms")

        async def grabs() -> None:
            async with httpx.AsyncClient(timeout=60) as client:
                latencies: list[float] = []

                async def version_probe(stop: asyncio.Event) -> None:
                    while not stop.is_set():
                        began = time.perf_counter()
                        await client.get(server.url("/api/version"))
                        latencies.append((time.perf_counter() - began) * 1000)
                        await asyncio.sleep(0.02)

                async def grabber(index: int, count: int) -> None:
                    for n in range(count):
                        moment = s + 7.3 + 37 * (index * count + n) % 3500
                        r = await client.get(
                            server.url(f"/api/cam0/recordings/{moment}/snapshot.jpg")
                        )
                        assert r.status_code == 200, r.text

                stop = asyncio.Event()
                probe = asyncio.create_task(version_probe(stop))
                began = time.perf_counter()
                await asyncio.gather(*(grabber(i, 10) for i in range(4)))
                elapsed = time.perf_counter() - began
                stop.set()
                await probe
                latencies.sort()
                p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else 0
                print(
                    f"frame grabs, 4 clients x 10: {40 / elapsed:.1f} req/s; /api/version p99 {p99:.0f} ms"
                )

        asyncio.run(grabs())
    finally:
        stop_server(server)


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="rec-bench-"))
    db_path = root / "config" / "frigate.db"
    if not db_path.exists():
        build_db(root)
    open_database(db_path)
    timed("overlap query 24 h", lambda: query.overlapping("cam1", END - 86400, END))
    timed(
        "VOD plan 1 h (in process)",
        lambda: build_plan("cam0", END - 3590.5, END, now=END).mapping(),
    )
    timed(
        "VOD plan 24 h (in process)",
        lambda: build_plan("cam1", END - 86400 + 0.5, END, now=END).mapping(),
        5,
    )
    http_figures(root)


if __name__ == "__main__":
    main()
