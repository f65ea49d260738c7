"""Fixtures for the hardening suite: a full two-camera world served by a real server process."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from frigate_media.auth.tokens import encode_token
from tests.conftest import RunningServer, base_config_dict, deep_merge, start_server, stop_server
from tests.hardening.world import World, build_world

SECRET = "hardening-secret-" + "h" * 48
AUTH_ON: dict[str, Any] = {"auth": {"enabled": True}}


def token(role: str, *, secret: str = SECRET, user: str | None = None) -> str:
    """A token for the world's user with `role` (`tester-<role>`, see world.TESTERS)."""
    return encode_token(user or f"tester-{role}", role, time.time() + 3600, secret)


@dataclass(frozen=True)
class Caller:
    """One kind of requester in the access matrix and the headers it sends."""

    name: str
    headers: dict[str, str]
    role: str | None  # None: no valid identity (expect 401 from every protected route)


def callers() -> list[Caller]:
    bearer = "Authorization"
    return [
        Caller("admin", {bearer: f"Bearer {token('admin')}"}, "admin"),
        Caller("viewer", {bearer: f"Bearer {token('viewer')}"}, "viewer"),
        Caller("front_only", {bearer: f"Bearer {token('front_only')}"}, "front_only"),
        Caller("no identity", {}, None),
        Caller("bad token", {bearer: f"Bearer {token('admin', secret='x' * 64)}"}, None),
    ]


@pytest.fixture(scope="module")
def world_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("world")


@pytest.fixture(scope="module")
def world(world_root: Path, clip_factory: Callable[..., Path]) -> World:
    clip = clip_factory(seconds=10, fps=5, width=640, height=360, gop_seconds=1)
    preview = clip_factory(seconds=60, fps=1, width=320, height=180, gop_seconds=10)
    return build_world(world_root, clip, preview)


def world_config(world: World, override: dict[str, Any] | None = None) -> dict[str, Any]:
    return deep_merge(base_config_dict(world.root), override or {})


def serve_world(world: World) -> Iterator[Callable[..., RunningServer]]:
    """Start real servers over `world` (JWT secret fixed): factory(override) -> server; each
    server's working directory is `server.log`'s parent."""
    servers: list[RunningServer] = []
    previous = os.environ.get("FRIGATE_JWT_SECRET")
    os.environ["FRIGATE_JWT_SECRET"] = SECRET

    def factory(override: dict[str, Any] | None = None) -> RunningServer:
        workdir = world.root / f"server{len(servers)}"
        workdir.mkdir(exist_ok=True)
        server = start_server(world_config(world, override), workdir)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        stop_server(server)
    if previous is None:
        os.environ.pop("FRIGATE_JWT_SECRET", None)
    else:
        os.environ["FRIGATE_JWT_SECRET"] = previous


@pytest.fixture(scope="module")
def world_server_factory(world: World) -> Iterator[Callable[..., RunningServer]]:
    """Start real servers over the world (JWT secret fixed): factory(override) -> server."""
    yield from serve_world(world)


@pytest.fixture(scope="module")
def heavy_world(
    tmp_path_factory: pytest.TempPathFactory, clip_factory: Callable[..., Path]
) -> World:
    """The world with 720p 25-fps recordings (~3.4 MB a segment, ~10 MB a 30-s clip): answers
    big enough to fill a connection's buffers, and HLS segments sent in several chunks."""
    clip = clip_factory(seconds=10, fps=25, width=1280, height=720, gop_seconds=1)
    preview = clip_factory(seconds=60, fps=1, width=320, height=180, gop_seconds=10)
    return build_world(tmp_path_factory.mktemp("heavy-world"), clip, preview)


@pytest.fixture(scope="module")
def heavy_server_factory(heavy_world: World) -> Iterator[Callable[..., RunningServer]]:
    """Real servers over the heavy world: factory(override) -> server."""
    yield from serve_world(heavy_world)


class SlowReader:
    """A raw HTTP client that reads the answer's head and a little of its body, then stops
    reading while keeping the connection open (a stalled player, a paused download).

    Its receive buffer is made small before connecting, so the server's buffers fill fast.
    """

    def __init__(
        self,
        server: RunningServer,
        path: str,
        headers: dict[str, str] | None = None,
        receive_buffer: int = 4096,
    ) -> None:
        location = urlsplit(server.base_url)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(30)
        self.sock.connect((location.hostname, location.port))
        lines = [
            f"GET {path} HTTP/1.1",
            "Host: test",
            *(f"{k}: {v}" for k, v in (headers or {}).items()),
        ]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.received = b""

    def head(self) -> bytes:
        """Read until the head (and a first piece of the body) has arrived; the head."""
        while b"\r\n\r\n" not in self.received:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self.received += chunk
        return self.received.split(b"\r\n\r\n", 1)[0]

    def body_so_far(self) -> bytes:
        return self.received.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in self.received else b""

    def read_to_end(self, timeout: float) -> bool:
        """Read on until the server closes (True) or `timeout` passes with it still open."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(1 << 20)
            except TimeoutError:
                return False
            except ConnectionResetError:
                return True
            if not chunk:
                return True
            self.received += chunk
        return False

    def close(self) -> None:
        self.sock.close()


def server_children(pid: int) -> list[tuple[int, str]]:
    """(pid, command name) of the live (non-zombie counted too) children of `pid`, from /proc."""
    children: list[tuple[int, str]] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            children.append((int(entry.name), f"{name}:{fields[0]}"))
    return children


def ffmpeg_children(pid: int) -> list[tuple[int, str]]:
    """ffmpeg processes (running or zombie) whose parent is the server."""
    return [child for child in server_children(pid) if "ffmpeg" in child[1]]


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


TEMP_MARKERS = (".part", ".tmp", ".partial", "playlist_")


def temp_files(world: World) -> set[str]:
    """Leftovers a request must not leave: loose files in the cache root, and files in our
    work dir that are plainly temporary (`*.part*`, `*.tmp`, dot-files, concat playlists).
    Finished cache entries (HLS fragments, built clips) are allowed to stay."""
    found: set[str] = set()
    if world.cache_dir.exists():
        found |= {str(p) for p in world.cache_dir.iterdir() if p.is_file()}
    work = world.cache_dir / "frigate-media"
    if work.exists():
        for path in work.rglob("*"):
            name = path.name
            if path.is_file() and (name.startswith(".") or any(m in name for m in TEMP_MARKERS)):
                found.add(str(path))
    return found
