"""Start and stop the servers under test (frigate-media, the reference) and read their footprint."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from benchmarks.dataset import Dataset
from benchmarks.http import HttpError
from benchmarks.http import get_once as _get_once

REPO_ROOT = Path(__file__).resolve().parent.parent
LIVE_SOURCE = "testsrc2=size=1280x720:rate=5"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A server subprocess listening on 127.0.0.1:port."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    started: float
    cache: Path | None = None  # frigate-media's cache dir (our scratch lives inside it)

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def _wait_ready(server: Server, timeout: float) -> Server:
    """Wait for /api/version; never leave the process behind when it does not come up."""
    try:
        return await _poll_version(server, timeout)
    except BaseException:
        server.stop()
        raise


async def _poll_version(server: Server, timeout: float) -> Server:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited early:\n{server.log.read_text()[-3000:]}")
        try:
            response = await _get_once("127.0.0.1", server.port, "/api/version", 2.0)
            if response.status == 200:
                return server
        except HttpError:
            pass
        await asyncio.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{server.name} did not start:\n{server.log.read_text()[-3000:]}")


def _spawn(name: str, args: list[str], port: int, log: Path, cwd: Path) -> Server:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    with log.open("wb") as output:  # the server writes to its own copy of the descriptor
        process = subprocess.Popen(
            args, cwd=cwd, stdout=output, stderr=subprocess.STDOUT, env=env,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    return Server(name=name, process=process, port=port, log=log, started=time.monotonic())


def frigate_media_config(
    dataset: Dataset,
    cache: Path,
    port: int,
    live_cameras: int,
    limits: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The dataset's cameras; the first `live_cameras` fed live by lavfi testsrc2 1280x720 at
    5 fps (detect only), the others without inputs (their recordings still serve); `limits`
    (e.g. `virtual_mp4: false`) as given."""
    live_input = {"path": LIVE_SOURCE, "input_args": "-re -f lavfi", "roles": ["detect"]}
    cameras = {
        name: {
            "ffmpeg": {"inputs": [live_input] if index < live_cameras else []},
            "detect": {"enabled": True, "width": 1280, "height": 720, "fps": 5},
            # Never let a retention sweep touch the cached dataset.
            "record": {"enabled": False, "retain": {"days": 3650}},
            "snapshots": {"enabled": True},
        }
        for index, name in enumerate(dataset.spec.cameras)
    }
    return {
        "mode": "standalone",  # lavfi cameras: our own ingest from the detect input
        "database": {"path": str(dataset.db_path)},
        "paths": {"media": str(dataset.media), "cache": str(cache)},
        "auth": {"enabled": False},
        "server": {"host": "127.0.0.1", "port": port},
        "cameras": cameras,
        "limits": limits or {},
    }


async def start_frigate_media(
    dataset: Dataset,
    workdir: Path,
    *,
    live_cameras: int,
    limits: dict[str, Any] | None = None,
    name: str = "frigate-media",
    timeout: float = 60.0,
) -> Server:
    """`frigate-media serve` on the dataset, with a fresh cache directory of its own (`name`
    tells the servers apart in the results: "frigate-media (ffmpeg path)")."""
    port = free_port()
    slug = "".join(char if char.isalnum() else "-" for char in name).strip("-")
    cache = workdir / f"cache-{slug}"
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    config = workdir / f"config-{slug}.yml"
    settings = frigate_media_config(dataset, cache, port, live_cameras, limits)
    config.write_text(yaml.safe_dump(settings))
    args = [sys.executable, "-m", "frigate_media", "--log-level", "warning", "serve"]
    args += ["--config", str(config)]
    server = _spawn(name, args, port, workdir / f"{slug}.log", workdir)
    server.cache = cache
    return await _wait_ready(server, timeout)


async def start_reference(
    images: dict[str, Path], workdir: Path, *, clip_mib: int = 0, timeout: float = 30.0
) -> Server:
    """The do-nothing server with prepared images (and `clip_mib` MiB of clip bytes)."""
    port = free_port()
    args = [sys.executable, "-m", "benchmarks.reference", "--port", str(port)]
    args += ["--jpeg", str(images["jpeg"]), "--webp", str(images["webp"])]
    args += ["--mjpeg", str(images["mjpeg"]), "--clip-mib", str(clip_mib)]
    server = _spawn("reference", args, port, workdir / "reference.log", workdir)
    return await _wait_ready(server, timeout)


# ------------------------------------------------------------------------------ footprint


def _children(pid: int) -> list[int]:
    """Every descendant of `pid` (ffmpeg decoders, worker processes), from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces or parentheses: the fields start after the last ')'.
        fields = stat.rsplit(")", 1)[1].split()
        parents[int(entry)] = int(fields[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        current = frontier.pop()
        kids = [child for child, parent in parents.items() if parent == current]
        found.extend(kids)
        frontier.extend(kids)
    return found


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kib(pid: int) -> int:
    """Proportional set size: shared pages (the ffmpeg binary's text) split among their users."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _open_files(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def footprint(pid: int) -> dict[str, Any]:
    """RSS and PSS (MiB) and open file descriptors of a process and of all its descendants.

    RSS counts the pages the processes share (the four decoders run one static ffmpeg binary)
    once per process; PSS splits them among their users, so it sums to the real footprint."""
    children = _children(pid)
    child_rss = sum(_rss_kib(child) for child in children)
    child_pss = sum(pss_kib(child) for child in children)
    names = []
    for child in children:
        try:
            names.append(Path(f"/proc/{child}/comm").read_text().strip())
        except OSError:
            continue
    return {
        "server_rss_mib": _rss_kib(pid) / 1024,
        "children_rss_mib": child_rss / 1024,
        "total_rss_mib": (_rss_kib(pid) + child_rss) / 1024,
        "server_pss_mib": pss_kib(pid) / 1024,
        "children_pss_mib": child_pss / 1024,
        "total_pss_mib": (pss_kib(pid) + child_pss) / 1024,
        "server_fds": _open_files(pid),
        "children_fds": sum(_open_files(child) for child in children),
        "children": len(children),
        "child_names": sorted(set(names)),
    }


def write_bytes(pid: int) -> int:
    """Bytes the process (and its live descendants) caused to be written to storage so far."""
    total = 0
    for process in (pid, *_children(pid)):
        try:
            for line in Path(f"/proc/{process}/io").read_text().splitlines():
                if line.startswith("write_bytes:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def tree_bytes(root: Path | None) -> int:
    """Bytes of every file under `root` (what a server keeps in its cache dir)."""
    if root is None or not root.exists():
        return 0
    total = 0
    for path in root.rglob("*"):
        try:
            if path.is_file():
                total += path.stat().st_size
        except OSError:  # removed while we looked
            continue
    return total
