"""The attacks of issue 15 for `make soak-attacks` (`SOAK_ATTACKS=1 make soak`), run beside the
normal load by their own user: Range clip variants a millisecond apart, clients that stop
reading (clip.mp4 and MJPEG), ten-year playlists, big bodies, big headers and login floods.

Each attack tallies the statuses it gets; a status outside the attack's expected set, or a
stalled client the server keeps, is a failure. The body, header and login attacks need the
request limits and the login throttle (issue 15 items 4-5); without them they are left out.

`SOAK_CLIPS=ffmpeg` turns the virtual MP4 off (`limits.virtual_mp4: false`): every clip then
takes the ffmpeg fallback, whose Range files are the one clip cache that writes to disk, so the
Range attack runs against its cap.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from frigate_media.config import LimitsConfig

TEN_YEARS = 10 * 365 * 86400
STALL_SECONDS = 10.0  # limits.stream_stall_seconds of the soak server
ATTACKER = "soak-attacker"
PASSWORD = "soak-password-not-secret"
CAPS_MB = {"hls": 64.0, "preview": 32.0, "clips": 64.0}  # limits.*_cache_mb of the soak server
SCRATCH_MB, SAMPLE_INDEX_MB = 256.0, 64.0


def request_limits_exist() -> bool:
    """Body/header caps and the login throttle are there (issue 15 items 4-5)."""
    return (
        importlib.util.find_spec("frigate_media.auth.rate_limit") is not None
        and "max_body_bytes" in LimitsConfig.model_fields
        and "max_header_bytes" in LimitsConfig.model_fields
    )


def ffmpeg_clips() -> bool:
    """Every clip through the ffmpeg fallback (`SOAK_CLIPS=ffmpeg`)."""
    return os.environ.get("SOAK_CLIPS", "") == "ffmpeg"


def config_override() -> dict[str, Any]:
    """What the attack soak adds to the demo: auth on (two users), the throttle, tight caps."""
    auth: dict[str, Any] = {"enabled": True, "hash_iterations": 100_000}
    if request_limits_exist():
        auth["failed_login_rate_limit"] = "1/second;5/minute;20/hour"
    return {
        "auth": auth,
        "limits": {
            "virtual_mp4": not ffmpeg_clips(),
            "stream_stall_seconds": STALL_SECONDS,
            "ffmpeg_queue_wait": 2,
            "hls_cache_mb": CAPS_MB["hls"],
            "preview_cache_mb": CAPS_MB["preview"],
            "clip_cache_mb": CAPS_MB["clips"],
            "scratch_mb": SCRATCH_MB,
            "sample_index_mb": SAMPLE_INDEX_MB,
        },
    }


def cache_sizes(work: Path) -> dict[str, int]:
    """Bytes of each cache in our scratch dir (standalone: `<cache>/frigate-media`) and of all
    of it."""

    def size(paths: Any) -> int:
        total = 0
        for path in paths:
            try:
                if path.is_file():
                    total += path.stat().st_size
            except OSError:
                continue
        return total

    return {
        "hls": size((work / "hls").glob("*")),
        "preview": size((work / "previews").glob("*")),
        "clips": size((work / "clips").glob("*")),
        "total": size(work.rglob("*")),
    }


@dataclass
class Tally:
    """Statuses per attack, and what was not expected."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: Counter[str] = field(default_factory=Counter)
    unexpected: Counter[str] = field(default_factory=Counter)

    def add(self, attack: str, outcome: str, expected: bool) -> None:
        with self.lock:
            self.counts[f"{attack} {outcome}"] += 1
            if not expected:
                self.unexpected[f"{attack} {outcome}"] += 1


def raw_exchange(base: str, head: bytes, body_chunks: int = 0, chunk: bytes = b"") -> int:
    """Send a request head (and up to `body_chunks` chunks) on a raw socket; the status the
    server answers, 0 when it answers nothing. The server may stop reading early: that is
    what a cap does, so send errors end the sending, not the exchange."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        try:
            sock.sendall(head)
            for _ in range(body_chunks):
                sock.sendall(chunk)
        except OSError:
            pass
        received = b""
        try:
            while b"\r\n" not in received:
                data = sock.recv(65536)
                if not data:
                    break
                received += data
        except OSError:
            pass
    try:
        return int(received.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


class Attacks:
    """The attack threads against one server (`base`), as the user `soak-attacker`."""

    def __init__(self, base: str, token: str, stop: threading.Event) -> None:
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"}
        self.stop = stop
        self.tally = Tally()

    def threads(self) -> list[threading.Thread]:
        attacks: list[Callable[[], None]] = [
            self.range_clips,
            self.slow_clip_reader,
            self.slow_mjpeg_viewer,
            self.oversized_playlists,
        ]
        if request_limits_exist():
            attacks += [self.big_bodies, self.big_headers, self.login_flood]
        return [threading.Thread(target=self._loop, args=(a,), daemon=True) for a in attacks]

    def _loop(self, attack: Callable[[], None]) -> None:
        while not self.stop.is_set():
            try:
                attack()
            except Exception as error:  # an attack that breaks is a finding, not a crash
                self.tally.add(attack.__name__, type(error).__name__, expected=False)
                self.stop.wait(1)

    def _get(
        self, name: str, path: str, expected: set[int], headers: dict[str, str] | None = None
    ) -> None:
        headers = {**self.headers, **(headers or {})}
        response = httpx.get(self.base + path, headers=headers, timeout=60)
        self.tally.add(name, str(response.status_code), response.status_code in expected)

    # -- the attacks ---------------------------------------------------------------------

    def range_clips(self) -> None:
        """clip.mp4 with Range, starts a millisecond apart (issue 15 item 1)."""
        now = time.time()
        start = now - 40 + random.randrange(1000) / 1000
        path = f"/api/demo/start/{start:.3f}/end/{now - 30:.3f}/clip.mp4"
        self._get("range clip", path, {206, 503}, {"Range": "bytes=0-1023"})
        self.stop.wait(1)

    def _stall(self, name: str, path: str) -> None:
        """Read the head, stop reading for twice the stall time, then see whether the server
        dropped the connection meanwhile (item 2)."""
        host, port = self.base.removeprefix("http://").split(":")
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(30)
        try:
            sock.connect((host, int(port)))
            auth = self.headers["Authorization"]
            sock.sendall(
                f"GET {path} HTTP/1.1\r\nHost: soak\r\nAuthorization: {auth}\r\n\r\n".encode()
            )
            head = sock.recv(4096)
            if not head.startswith(b"HTTP/1.1 200"):
                status = head[9:12].decode(errors="replace") or "0"
                self.tally.add(name, status, status == "503")
                return
            if self.stop.wait(2 * STALL_SECONDS + 5):
                return  # the soak ended first: nothing to judge
            sock.settimeout(1)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                try:
                    if not sock.recv(1 << 20):
                        self.tally.add(name, "dropped", expected=True)
                        return
                except TimeoutError:
                    continue
                except ConnectionResetError:
                    self.tally.add(name, "dropped", expected=True)
                    return
            self.tally.add(name, "kept", expected=False)
        finally:
            sock.close()

    def slow_clip_reader(self) -> None:
        now = time.time()
        self._stall("stalled clip", f"/api/demo/start/{now - 300:.1f}/end/{now - 10:.1f}/clip.mp4")

    def slow_mjpeg_viewer(self) -> None:
        self._stall("stalled mjpeg", "/api/demo?fps=5&height=720")

    def oversized_playlists(self) -> None:
        """Ten-year ranges on HLS and the VOD JSON: the range cap's 400 (item 3)."""
        now = time.time()
        span = f"start/{now - TEN_YEARS:.0f}/end/{now:.0f}"
        for path in (
            f"/vod/demo/{span}/master.m3u8",
            f"/vod/demo/{span}/index.m3u8",
            f"/api/vod/demo/{span}",
        ):
            self._get("ten-year playlist", path, {400})
        self.stop.wait(1)

    def big_bodies(self) -> None:
        """128 MiB declared to the public login, 4 MiB to a protected POST, a chunked body
        without end: 413 (item 4)."""
        login = (
            b"POST /api/login HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\n"
            b"Content-Length: 134217728\r\n\r\n"
        )
        # The login throttle may refuse first (429): before the body too.
        status = raw_exchange(self.base, login, body_chunks=64, chunk=b"x" * 65536)
        self.tally.add("big body", str(status), status in (413, 429))
        create = (
            f"POST /api/events/demo/person/create HTTP/1.1\r\nHost: soak\r\n"
            f"Authorization: {self.headers['Authorization']}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {4 * 1024 * 1024}\r\n\r\n"
        ).encode()
        status = raw_exchange(self.base, create, body_chunks=64, chunk=b"x" * 65536)
        self.tally.add("big body", str(status), status in (403, 413))
        chunked = (
            b"POST /api/login HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        piece = b"10000\r\n" + b"x" * 65536 + b"\r\n"
        status = raw_exchange(self.base, chunked, body_chunks=64, chunk=piece)
        self.tally.add("big body", str(status), status in (413, 429))
        self.stop.wait(2)

    def big_headers(self) -> None:
        """An 8 MiB header: 431 (item 4)."""
        head = b"GET /api/version HTTP/1.1\r\nHost: soak\r\nX-Big: "
        status = raw_exchange(self.base, head, body_chunks=128, chunk=b"y" * 65536)
        self.tally.add("big header", str(status), status == 431)
        self.stop.wait(3)

    def login_flood(self) -> None:
        """Eight wrong passwords at once: 401 until the throttle's 429 (item 5)."""
        body = json.dumps({"user": "soak-user", "password": "wrong"})

        def attempt() -> None:
            response = httpx.post(
                self.base + "/api/login",
                content=body,
                headers={"Content-Type": "application/json"},
                timeout=60,
            )
            self.tally.add(
                "login flood", str(response.status_code), response.status_code in (401, 429, 503)
            )

        burst = [threading.Thread(target=attempt) for _ in range(8)]
        for thread in burst:
            thread.start()
        for thread in burst:
            thread.join()
        self.stop.wait(2)
