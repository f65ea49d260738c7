"""`make soak`: mixed load on the demo for SOAK_SECONDS (default 600), resources sampled each 10 s.

Starts `frigate-media serve` (the embedded demo, data under a temp dir), lets the recorder
write some segments, then runs workers that fetch latest.jpg, MJPEG (a few seconds each),
VOD JSON, clip.mp4, HLS playlists and segments and preview.mp4. Every 10 s it samples the
server's RSS, open file descriptors and ffmpeg children. It fails (exit 1) when RSS or open
files grow more than 10 % from the first sample after warm-up to the last, when ffmpeg
children grow, or when any answer is a 5xx.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from tests.conftest import free_port
from tests.hardening.conftest import ffmpeg_children

SAMPLE_EVERY = 10.0
GROWTH_LIMIT = 0.10
WORKERS = 4
PIPES_PER_FFMPEG = 3


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def urls(now: float) -> list[str]:
    start, end = now - 60, now - 20
    return [
        "/api/demo/latest.jpg",
        "/api/demo/latest.jpg?height=180",
        f"/api/vod/demo/start/{start:.1f}/end/{end:.1f}",
        f"/api/demo/start/{start:.1f}/end/{end:.1f}/clip.mp4",
        f"/vod/demo/start/{start:.1f}/end/{end:.1f}/master.m3u8",
        f"/vod/demo/start/{start:.1f}/end/{end:.1f}/index-v1.m3u8",
        f"/vod/demo/start/{start:.1f}/end/{end:.1f}/seg-1-v1.m4s",
        f"/api/demo/start/{start:.1f}/end/{end:.1f}/preview.mp4",
        "/api/demo?fps=5&height=180",
    ]


def worker(base: str, stop: threading.Event, counts: Counter[str], lock: threading.Lock) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        while not stop.is_set():
            url = random.choice(urls(time.time()))
            key = url.split("?")[0].rsplit("/", 1)[-1]
            try:
                with client.stream("GET", url) as response:
                    deadline = time.monotonic() + 3
                    for _ in response.iter_raw():
                        if time.monotonic() > deadline:
                            break
                    status = response.status_code
            except httpx.HTTPError as error:
                status = 0
                key = f"{key} {type(error).__name__}"
            with lock:
                counts[f"{status} {key if status >= 500 or status == 0 else ''}".strip()] += 1


def main() -> int:
    seconds = float(os.environ.get("SOAK_SECONDS", "600"))
    workdir = Path(tempfile.mkdtemp(prefix="frigate-media-soak-"))
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "frigate_media", "serve", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/api/version", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        print("warming up (recorder writes the first segments) ...", flush=True)
        time.sleep(30)
        stop, lock, counts = threading.Event(), threading.Lock(), Counter[str]()
        threads = [
            threading.Thread(target=worker, args=(base, stop, counts, lock), daemon=True)
            for _ in range(WORKERS)
        ]
        for thread in threads:
            thread.start()
        samples: list[tuple[float, int, int, int]] = []
        began = time.monotonic()
        print(f"{'t (s)':>6} {'RSS MiB':>8} {'open fds':>8} {'ffmpeg':>6} {'requests':>8}")
        while time.monotonic() - began < seconds:
            time.sleep(SAMPLE_EVERY)
            pid = server.pid
            sample = (
                time.monotonic() - began,
                rss_kib(pid),
                open_files(pid),
                len(ffmpeg_children(pid)),
            )
            samples.append(sample)
            with lock:
                total = sum(counts.values())
            print(
                f"{sample[0]:6.0f} {sample[1] / 1024:8.1f} {sample[2]:8d} {sample[3]:6d} {total:8d}",
                flush=True,
            )
        stop.set()
        for thread in threads:
            thread.join(timeout=40)
        time.sleep(5)
        settled = (rss_kib(server.pid), open_files(server.pid), len(ffmpeg_children(server.pid)))
        print(f"after load: RSS {settled[0] / 1024:.1f} MiB, fds {settled[1]}, ffmpeg {settled[2]}")
        print("answers:", dict(sorted(counts.items())))
        return verdict(samples, counts)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def verdict(samples: list[tuple[float, int, int, int]], counts: Counter[str]) -> int:
    if len(samples) < 3:
        print("FAIL: too few samples (raise SOAK_SECONDS)")
        return 1
    # The first sample is the warm-up (caches, thread pools); growth counts from the second.
    first, last = samples[1], samples[-1]
    failures = []

    # Each ffmpeg in flight holds three pipe ends in the server: count descriptors net of them.
    def own_files(sample: tuple[float, int, int, int]) -> int:
        return sample[2] - PIPES_PER_FFMPEG * sample[3]

    for name, before, after in (
        ("RSS", first[1], last[1]),
        ("open files (net of ffmpeg pipes)", own_files(first), own_files(last)),
    ):
        growth = (after - before) / max(before, 1)
        print(f"{name} growth: {growth * 100:+.1f} %")
        if growth > GROWTH_LIMIT:
            failures.append(f"{name} grew {growth * 100:.1f} %")
    if last[3] > max(first[3], WORKERS):
        failures.append(f"ffmpeg children grew from {first[3]} to {last[3]}")
    errors = {k: v for k, v in counts.items() if k.startswith("5") or k.startswith("0")}
    if errors:
        failures.append(f"server errors or failed requests: {errors}")
    print("FAIL: " + "; ".join(failures) if failures else "PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
