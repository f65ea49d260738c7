"""What live frames cost per camera beside Frigate: `python -m benchmarks.ingest_cost [seconds]`.

A go2rtc-like RTSP server (tests/support/rtsp.py; one 1280x720 5 fps H.264 stream for every
path, encoded like a camera's main profile at 2 Mbit/s in this process, not counted) feeds frigate-media in beside-frigate mode with
0, 1 and 4 cameras read from their restream and scaled to a 640x360 detect size. After a warm-up,
the CPU (user + system time over wall time, 100 % = one core) and RSS of each ingest ffmpeg and
of the server process are sampled from /proc; the server's own share is its figure with N
cameras less its figure with none. No client asks for anything meanwhile.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from benchmarks.servers import REPO_ROOT, _children, _rss_kib, free_port, pss_kib
from tests.support.db import create_frigate_db
from tests.support.rtsp import RtspSource

DETECT = {"width": 640, "height": 360, "fps": 5}
# A camera's stream: main profile (CABAC), 2 Mbit/s, a keyframe a second.
CAMERA_ENCODE = ("-preset", "veryfast", "-profile:v", "main", "-b:v", "2M", "-maxrate", "2M",
                 "-bufsize", "4M")  # fmt: skip
WARM_UP_SECONDS = 10.0
TICKS = os.sysconf("SC_CLK_TCK")
HEADERS = {"remote-user": "bench", "remote-role": "admin"}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@dataclass
class Sample:
    cameras: int
    server_cpu: float  # percent of one core
    server_rss_mib: float
    ingest_cpu: list[float]
    ingest_rss_mib: list[float]
    ingest_pss_mib: list[float]


def write_configs(root: Path, cameras: int, rtsp: RtspSource, port: int) -> Path:
    db = create_frigate_db(root / "config" / "frigate.db")
    names = [f"cam{index}" for index in range(cameras)]
    frigate = {
        "database": {"path": str(db)},
        "go2rtc": {
            "streams": {f"{name}_sub": [f"rtsp://192.0.2.1/{name}/sub"] for name in names},
            "rtsp": {"listen": f":{rtsp.port}"},
        },
        "cameras": {
            name: {
                "ffmpeg": {
                    "inputs": [
                        {
                            "path": f"rtsp://127.0.0.1:{rtsp.port}/{name}_sub",
                            "input_args": "preset-rtsp-restream",
                            "roles": ["detect"],
                        }
                    ]
                },
                "detect": DETECT,
            }
            for name in names
        },
    }
    frigate_file = root / "config" / "config.yml"
    frigate_file.write_text(yaml.safe_dump(frigate))
    ours: dict[str, Any] = {
        "mode": "beside-frigate",
        "frigate_config": str(frigate_file),
        "server": {"host": "127.0.0.1", "port": port, "api_prefix": ""},
        "paths": {
            "media": str(root / "media"),
            "cache": str(root / "cache"),
            "scratch": str(root / "scratch"),
        },
    }
    path = root / "frigate-media.yml"
    path.write_text(yaml.safe_dump(ours))
    return path


def wait_live(base: str, cameras: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    with httpx.Client(base_url=base, headers=HEADERS, timeout=10) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError("server exited")
            try:
                live = [
                    "x-frigate-offline" not in http.get(f"/cam{i}/latest.jpg").headers
                    for i in range(cameras)
                ]
                if http.get("/version").status_code == 200 and all(live):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
    raise RuntimeError("cameras did not go live")


def measure(root: Path, cameras: int, rtsp: RtspSource, seconds: float) -> Sample:
    port = free_port()
    config = write_configs(root, cameras, rtsp, port)
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "frigate_media", "serve", "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
    )
    try:
        wait_live(f"http://127.0.0.1:{port}", cameras, process)
        time.sleep(WARM_UP_SECONDS)
        ingests = [pid for pid in _children(process.pid) if "rtsp://" in cmdline(pid)]
        assert len(ingests) == cameras, (ingests, cameras)
        pids = [process.pid, *ingests]
        start_cpu = {pid: cpu_seconds(pid) for pid in pids}
        started = time.monotonic()
        rss: dict[int, list[int]] = {pid: [] for pid in pids}
        pss: dict[int, list[int]] = {pid: [] for pid in pids}
        while time.monotonic() - started < seconds:
            for pid in pids:
                rss[pid].append(_rss_kib(pid))
                pss[pid].append(pss_kib(pid))
            time.sleep(1.0)
        wall = time.monotonic() - started
        cpu = {pid: 100 * (cpu_seconds(pid) - start_cpu[pid]) / wall for pid in pids}
        return Sample(
            cameras,
            cpu[process.pid],
            statistics.median(rss[process.pid]) / 1024,
            [cpu[pid] for pid in ingests],
            [statistics.median(rss[pid]) / 1024 for pid in ingests],
            [statistics.median(pss[pid]) / 1024 for pid in ingests],
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def report(samples: list[Sample]) -> str:
    base = samples[0]
    lines = [
        "| cameras | ingest ffmpeg CPU % (each) | ingest ffmpeg RSS / PSS MiB (each) "
        "| server CPU % | server RSS MiB | server CPU % per camera | server RSS MiB per camera |",
        "|---|---|---|---|---|---|---|",
    ]
    for sample in samples:
        per = max(sample.cameras, 1)
        each_cpu = statistics.mean(sample.ingest_cpu) if sample.ingest_cpu else 0.0
        each_rss = statistics.mean(sample.ingest_rss_mib) if sample.ingest_rss_mib else 0.0
        each_pss = statistics.mean(sample.ingest_pss_mib) if sample.ingest_pss_mib else 0.0
        extra_cpu = (sample.server_cpu - base.server_cpu) / per if sample.cameras else 0.0
        extra_rss = (sample.server_rss_mib - base.server_rss_mib) / per if sample.cameras else 0.0
        lines.append(
            f"| {sample.cameras} | {each_cpu:.1f} | {each_rss:.0f} / {each_pss:.0f} "
            f"| {sample.server_cpu:.1f} "
            f"| {sample.server_rss_mib:.0f} | {extra_cpu:.1f} | {extra_rss:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    seconds = float(argv[0]) if argv else 30.0
    with tempfile.TemporaryDirectory(prefix="ingest-cost-") as directory:
        root = Path(directory)
        rtsp = RtspSource(root, encode=CAMERA_ENCODE).start()
        try:
            samples = []
            for cameras in (0, 1, 4):
                run_root = root / f"run{cameras}"
                run_root.mkdir()
                samples.append(measure(run_root, cameras, rtsp, seconds))
        finally:
            rtsp.stop()
    print(
        f"live ingest beside Frigate: RTSP restream 1280x720 5 fps H.264 main 2 Mbit/s -> detect "
        f"{DETECT['width']}x{DETECT['height']}, {seconds:g} s per run, {os.cpu_count()} cores"
    )
    print(report(samples))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
