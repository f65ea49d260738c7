"""Debian's nginx started by a test: Frigate-shaped config, frigate-media's includes, free port.

`start_nginx` renders `frigate_nginx/` (a Frigate 0.14+-shaped nginx.conf whose Frigate
locations all point at the stand-in), copies `docker/frigate-media-nginx/` next to it with the
two edits a user makes (frigate-media's address, the HLS choice), patches nginx.conf with the
shipped `patch-nginx-conf.sh` and runs nginx in the foreground under a temp prefix. Its access
log records, per request, the test id, the status and every upstream nginx used.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPO_ROOT, free_port
from tests.support.processes import stop_process

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
INCLUDES = REPO_ROOT / "docker" / "frigate-media-nginx"
PATCH_SCRIPT = INCLUDES / "patch-nginx-conf.sh"
FRIGATE_SHAPED = Path(__file__).parent / "frigate_nginx"
DEFAULT_ADDRESS = "server 127.0.0.1:5010;"
DEFAULT_HLS = "default nginx-vod;"
TEST_ID_HEADER = "X-Test-Id"


@dataclass(frozen=True)
class Routed:
    """One line of the access log: where nginx sent a request and what came back."""

    method: str
    uri: str
    status: int
    upstream_ports: tuple[int, ...]  # who answered, in order; () when nginx answered itself


class RunningNginx:
    def __init__(self, process: subprocess.Popen[bytes], port: int, prefix: Path) -> None:
        self.process = process
        self.base_url = f"http://127.0.0.1:{port}"
        self.prefix = prefix

    def routed(self, test_id: str, timeout: float = 5.0) -> Routed:
        """The access-log line of request `test_id` (written when nginx finalises it)."""
        deadline = time.monotonic() + timeout
        while True:
            for line in (self.prefix / "logs" / "access.log").read_text().splitlines():
                parts = line.split("|")
                if parts[0] == test_id:
                    return Routed(parts[1], parts[2], int(parts[3]), answering_ports(parts[4]))
            if time.monotonic() > deadline:
                raise AssertionError(f"nginx logged no request {test_id}")
            time.sleep(0.02)

    def error_log(self) -> str:
        return (self.prefix / "logs" / "error.log").read_text()


def answering_ports(upstream_addr: str) -> tuple[int, ...]:
    """Ports from `$upstream_addr`: " : " separates internal redirects (our 404 fallback),
    ", " the retries of one attempt, whose last server is the one that answered."""
    if upstream_addr in ("", "-"):
        return ()
    return tuple(
        int(group.split(", ")[-1].rsplit(":", 1)[1]) for group in upstream_addr.split(" : ")
    )


def edit_once(text: str, old: str, new: str) -> str:
    """Replace the single occurrence of `old` (what a user edits must be in one place)."""
    assert text.count(old) == 1, f"expected exactly one {old!r}"
    return text.replace(old, new)


def write_config(
    prefix: Path, *, port: int, stand_in_port: int, frigate_media_port: int, hls: str
) -> Path:
    conf = prefix / "conf"
    for directory in (conf, prefix / "logs", prefix / "tmp"):
        directory.mkdir(parents=True, exist_ok=True)
    user = "user root;" if os.geteuid() == 0 else ""
    fills = {"@PREFIX@": str(prefix), "@PORT@": str(port), "@USER@": user}
    fills["@STAND_IN_PORT@"] = str(stand_in_port)
    for source in FRIGATE_SHAPED.glob("*.conf"):
        text = source.read_text()
        for placeholder, value in fills.items():
            text = text.replace(placeholder, value)
        (conf / source.name).write_text(text)
    ours = conf / "frigate-media"
    shutil.copytree(INCLUDES, ours, dirs_exist_ok=True)
    http = (ours / "http.conf").read_text()
    http = edit_once(http, DEFAULT_ADDRESS, f"server 127.0.0.1:{frigate_media_port};")
    http = edit_once(http, DEFAULT_HLS, f"default {hls};")
    (ours / "http.conf").write_text(http)
    frigate_conf = conf / "nginx.conf"
    patched = subprocess.run(
        ["sh", str(PATCH_SCRIPT)],
        input=frigate_conf.read_bytes(),
        capture_output=True,
        check=True,
    ).stdout
    frigate_conf.write_bytes(patched)
    return frigate_conf


def start_nginx(
    prefix: Path,
    *,
    stand_in_port: int,
    frigate_media_port: int,
    hls: str = "nginx-vod",
    timeout: float = 10.0,
) -> RunningNginx:
    """nginx in the foreground on a free port; raises with its error log if it cannot start."""
    port = free_port()
    conf = write_config(
        prefix,
        port=port,
        stand_in_port=stand_in_port,
        frigate_media_port=frigate_media_port,
        hls=hls,
    )
    error_log = prefix / "logs" / "error.log"
    process = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", str(conf), "-e", str(error_log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited early:\n{error_log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return RunningNginx(process, port, prefix)
        except OSError:
            time.sleep(0.05)
    process.kill()
    process.wait()
    raise RuntimeError(f"nginx did not start:\n{error_log.read_text()}")


def stop_nginx(nginx: RunningNginx) -> None:
    """SIGTERM is nginx's fast shutdown; the master reaps its worker before exiting."""
    stop_process(nginx.process, timeout=10)
