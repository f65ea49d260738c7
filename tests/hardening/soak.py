"""`make soak`: mixed load on the demo for SOAK_SECONDS (default 600), resources sampled each 10 s.

Starts `frigate-media serve` (the embedded demo, data under a temp dir), lets the recorder
write some segments, then runs workers that fetch latest.jpg, MJPEG (a few seconds each),
VOD JSON, clip.mp4, HLS playlists and segments and preview.mp4. Every 10 s it samples the
server's RSS, open file descriptors, ffmpeg children and the bytes of each cache in our
scratch dir. It fails (exit 1) when RSS or open files grow more than 10 % from the first
sample after warm-up to the last, when ffmpeg children grow, or when any answer is a 5xx.

`make soak-attacks` (`SOAK_ATTACKS=1`) runs the same with auth on: the normal load as one user
and the attacks of issue 15 (`soak_attacks.py`) as another, against tight cache caps. It also
fails when a cache passes its cap or the caches together the scratch total, ffmpeg children
do not return to the idle count once the load stops, an attack gets an answer it
should not (a stalled client kept, a 500, ...), or the normal user gets a 5xx.
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
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from frigate_media.auth.tokens import encode_token
from frigate_media.config import demo_config
from tests.conftest import deep_merge, free_port
from tests.hardening import soak_attacks
from tests.hardening.conftest import ffmpeg_children
from tests.support.processes import stop_process

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


def worker(
    base: str,
    stop: threading.Event,
    counts: Counter[str],
    lock: threading.Lock,
    headers: dict[str, str] | None = None,
) -> None:
    with httpx.Client(base_url=base, timeout=30, headers=headers or {}) as client:
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


@dataclass
class Sample:
    """One reading of the server: seconds into the load, RSS (KiB), open fds, ffmpeg children
    and the bytes of each cache."""

    at: float
    rss: int
    fds: int
    ffmpeg: int
    caches: dict[str, int] = field(default_factory=dict)


class PeakRss:
    """The server's highest RSS, read twice a second (a 10-s sample misses short peaks)."""

    def __init__(self, pid: int, stop: threading.Event) -> None:
        self.peak = 0
        self._thread = threading.Thread(target=self._watch, args=(pid, stop), daemon=True)
        self._thread.start()

    def _watch(self, pid: int, stop: threading.Event) -> None:
        while not stop.wait(0.5):
            self.peak = max(self.peak, rss_kib(pid))


@dataclass
class Setup:
    """How the server is started and who the load runs as."""

    args: list[str]
    env: dict[str, str]
    work: Path  # our scratch dir
    headers: dict[str, str] = field(default_factory=dict)
    attacker_token: str | None = None


def prepare(workdir: Path, port: int, attacks: bool) -> Setup:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    work = workdir / "data" / "cache" / "frigate-media"
    serve = [sys.executable, "-m", "frigate_media"]
    if not attacks:
        return Setup([*serve, "serve", "--port", str(port)], env, work)
    config = deep_merge(
        demo_config(workdir / "data").model_dump(mode="json", exclude_unset=True),
        soak_attacks.config_override(),
    )
    config_path = workdir / "config.yml"
    config_path.write_text(yaml.safe_dump(config))
    secret = "soak-secret-" + "s" * 52
    env["FRIGATE_JWT_SECRET"] = secret
    for user, role in (("soak-user", "admin"), (soak_attacks.ATTACKER, "viewer")):
        add = ["user", "add", user, "--role", role, "--password", soak_attacks.PASSWORD]
        subprocess.run(
            [*serve, *add, "--config", str(config_path)],
            check=True,
            env=env,
            cwd=workdir,
            capture_output=True,
        )
    expiry = time.time() + 86400
    return Setup(
        [*serve, "serve", "--config", str(config_path), "--port", str(port)],
        env,
        work,
        headers={"Authorization": f"Bearer {encode_token('soak-user', 'admin', expiry, secret)}"},
        attacker_token=encode_token(soak_attacks.ATTACKER, "viewer", expiry, secret),
    )


def sample(pid: int, began: float, work: Path) -> Sample:
    return Sample(
        time.monotonic() - began,
        rss_kib(pid),
        open_files(pid),
        len(ffmpeg_children(pid)),
        soak_attacks.cache_sizes(work),
    )


def main() -> int:
    seconds = float(os.environ.get("SOAK_SECONDS", "600"))
    attacking = os.environ.get("SOAK_ATTACKS", "") not in ("", "0")
    workdir = Path(tempfile.mkdtemp(prefix="frigate-media-soak-"))
    port = free_port()
    setup = prepare(workdir, port, attacking)
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen(
        setup.args, cwd=workdir, env=setup.env, stdout=log, stderr=subprocess.STDOUT
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
        idle_ffmpeg = len(ffmpeg_children(server.pid))
        stop, lock, counts = threading.Event(), threading.Lock(), Counter[str]()
        threads = [
            threading.Thread(
                target=worker, args=(base, stop, counts, lock, setup.headers), daemon=True
            )
            for _ in range(WORKERS)
        ]
        attacks = None
        if setup.attacker_token is not None:
            attacks = soak_attacks.Attacks(base, setup.attacker_token, stop)
            threads += attacks.threads()
            if not soak_attacks.request_limits_exist():
                print("request limits absent: body, header and login attacks left out")
            clip_path = "the ffmpeg fallback" if soak_attacks.ffmpeg_clips() else "the virtual MP4"
            print(f"clip.mp4 served by {clip_path}")
        peak = PeakRss(server.pid, stop)
        for thread in threads:
            thread.start()
        samples: list[Sample] = []
        began = time.monotonic()
        print(
            f"{'t (s)':>6} {'RSS MiB':>8} {'open fds':>8} {'ffmpeg':>6} {'requests':>8}"
            f" {'hls MiB':>8} {'prev MiB':>8} {'clips MiB':>9} {'scratch MiB':>11}"
        )
        while time.monotonic() - began < seconds:
            time.sleep(SAMPLE_EVERY)
            samples.append(sample(server.pid, began, setup.work))
            with lock:
                total = sum(counts.values())
            if attacks is not None:
                with attacks.tally.lock:
                    total += sum(attacks.tally.counts.values())
            print(row(samples[-1], total), flush=True)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        time.sleep(5)
        settled = sample(server.pid, began, setup.work)
        peak.peak = max([peak.peak, *(s.rss for s in samples)])
        print(
            f"after load: RSS {settled.rss / 1024:.1f} MiB (peak {peak.peak / 1024:.1f} MiB), "
            f"fds {settled.fds}, ffmpeg {settled.ffmpeg} (idle before the load: {idle_ffmpeg})"
        )
        print("answers:", dict(sorted(counts.items())))
        failures = verdict(samples, counts)
        if attacks is not None:
            print("attacks:", dict(sorted(attacks.tally.counts.items())))
            failures += attack_verdict(samples, settled, idle_ffmpeg, attacks)
        print("FAIL: " + "; ".join(failures) if failures else "PASS")
        return 1 if failures else 0
    finally:
        stop_process(server, timeout=15)
        log.close()


def mib(value: int) -> float:
    return value / (1024 * 1024)


def row(sample: Sample, requests: int) -> str:
    caches = sample.caches
    return (
        f"{sample.at:6.0f} {sample.rss / 1024:8.1f} {sample.fds:8d} {sample.ffmpeg:6d}"
        f" {requests:8d} {mib(caches['hls']):8.1f} {mib(caches['preview']):8.1f}"
        f" {mib(caches['clips']):9.1f} {mib(caches['total']):11.1f}"
    )


def attack_verdict(
    samples: list[Sample], settled: Sample, idle_ffmpeg: int, attacks: soak_attacks.Attacks
) -> list[str]:
    """Caches under their caps and the scratch total, ffmpeg back to idle, every attack
    answered as it should be."""
    failures = []
    for name, cap_mb in soak_attacks.CAPS_MB.items():
        peak = max(s.caches[name] for s in samples)
        print(f"{name} cache: peak {mib(peak):.1f} MiB of its {cap_mb:g} MiB cap")
        if peak > cap_mb * 1024 * 1024:
            failures.append(f"the {name} cache passed its cap ({mib(peak):.1f} MiB)")
    capped_total = max(sum(s.caches[name] for name in soak_attacks.CAPS_MB) for s in samples)
    room = soak_attacks.SCRATCH_MB - soak_attacks.SAMPLE_INDEX_MB
    print(f"capped caches together: peak {mib(capped_total):.1f} MiB of the {room:g} MiB total")
    if capped_total > room * 1024 * 1024:
        failures.append(f"the capped caches passed the scratch total ({mib(capped_total):.1f} MiB)")
    if settled.ffmpeg > idle_ffmpeg:
        failures.append(f"ffmpeg children {settled.ffmpeg} after the load, {idle_ffmpeg} idle")
    if attacks.tally.unexpected:
        failures.append(f"attacks answered wrongly: {dict(attacks.tally.unexpected)}")
    return failures


def verdict(samples: list[Sample], counts: Counter[str]) -> list[str]:
    """The failures of the normal load's rules (see the module docstring)."""
    if len(samples) < 3:
        return ["too few samples (raise SOAK_SECONDS)"]
    # The first sample is the warm-up (caches, thread pools); growth counts from the second.
    first, last = samples[1], samples[-1]
    failures = []

    # Each ffmpeg in flight holds three pipe ends in the server: count descriptors net of them.
    def own_files(sample: Sample) -> int:
        return sample.fds - PIPES_PER_FFMPEG * sample.ffmpeg

    for name, before, after in (
        ("RSS", first.rss, last.rss),
        ("open files (net of ffmpeg pipes)", own_files(first), own_files(last)),
    ):
        growth = (after - before) / max(before, 1)
        print(f"{name} growth: {growth * 100:+.1f} %")
        if growth > GROWTH_LIMIT:
            failures.append(f"{name} grew {growth * 100:.1f} %")
    if last.ffmpeg > max(first.ffmpeg, WORKERS):
        failures.append(f"ffmpeg children grew from {first.ffmpeg} to {last.ffmpeg}")
    errors = {k: v for k, v in counts.items() if k.startswith("5") or k.startswith("0")}
    if errors:
        failures.append(f"server errors or failed requests: {errors}")
    return failures


if __name__ == "__main__":
    sys.exit(main())
