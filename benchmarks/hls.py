"""HLS speed on a generated hour: playlist, first segment, cold and cached segments.

Run: .venv/bin/python -m benchmarks.hls   (about a minute; prints a table of figures)
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from tests.conftest import base_config_dict, start_server, stop_server
from tests.support.db import add_recording, create_frigate_db
from tests.support.media import ClipSpec, make_clip

T0 = 1_719_000_000.0
CLIPS = 360  # one hour of 10-s recordings
SPEC = ClipSpec(seconds=10, fps=10, width=1280, height=720, gop_seconds=1, audio=True)


def timed(client: httpx.Client, url: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code, response.text[:200])
    return elapsed, len(response.content)


def curl_ms(url: str) -> float:
    """Total time of one GET by curl (no Python client overhead), in ms."""
    completed = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{time_total}", url],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return float(completed.stdout) * 1000


def median_ms(values: list[float]) -> str:
    return f"median {statistics.median(values):.1f} ms, max {max(values):.1f} ms"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="fm-hls-bench-") as directory:
        root = Path(directory)
        db = create_frigate_db(root / "config" / "frigate.db")
        sources = [make_clip(root, SPEC, offset=10.0 * n) for n in range(3)]
        for index in range(CLIPS):
            add_recording(
                db,
                root / "media" / "recordings",
                "front",
                T0 + 10 * index,
                sources[index % 3],
                10.0,
            )
        server = start_server(base_config_dict(root), root)
        try:
            run(server.base_url)
        finally:
            stop_server(server)


def run(base_url: str) -> None:
    hour = f"{base_url}/vod/front/start/{T0 + 3.3}/end/{T0 + 3600}"
    with httpx.Client(timeout=60) as client:
        cold_index, index_size = timed(client, f"{hour}/index.m3u8")
        # A new range each time (no plan reuse): DB query for 360 rows + render, probes cached.
        fresh_index = [
            timed(client, f"{base_url}/vod/front/start/{T0 + 3.3}/end/{T0 + 3600 - n}/index.m3u8")[
                0
            ]
            for n in range(1, 21)
        ]
        warm_index = [timed(client, f"{hour}/index.m3u8")[0] for _ in range(20)]
        master = [timed(client, f"{hour}/master.m3u8")[0] for _ in range(20)]
        # What a player does next: init then the first segment, both cold.
        init_ms, _ = timed(client, f"{hour}/init-v1-a1.mp4")
        first_ms, first_size = timed(client, f"{hour}/seg-1-v1-a1.m4s")
        cold = [timed(client, f"{hour}/seg-{n}-v1-a1.m4s") for n in range(2, 32)]
        cached = [timed(client, f"{hour}/seg-{n}-v1-a1.m4s") for n in range(2, 32)]
    curl = [curl_ms(f"{hour}/seg-{n}-v1-a1.m4s") for n in range(2, 32)]
    cached_bytes = sum(size for _, size in cached)
    cached_seconds = sum(ms for ms, _ in cached) / 1000
    print(f"1-hour index.m3u8 ({CLIPS} segments, {index_size} B): cold {cold_index:.1f} ms;")
    print(f"  new range each time: {median_ms(fresh_index)}")
    print(f"  same range again (plan reused): {median_ms(warm_index)}")
    print(f"master.m3u8: {median_ms(master)}")
    print(f"first segment after the playlist: init {init_ms:.1f} ms + seg-1 {first_ms:.1f} ms")
    print(f"  ({first_size / 1e6:.2f} MB; init and seg-1 come from one remux)")
    print(f"cold segments (remux + write): {median_ms([ms for ms, _ in cold])}")
    print(f"cached segments: {median_ms([ms for ms, _ in cached])}")
    print(f"  {cached_bytes / 1e6 / cached_seconds:.0f} MB/s over {len(cached)} segments (httpx)")
    print(f"cached segments with curl: {median_ms(curl)}")


if __name__ == "__main__":
    main()
