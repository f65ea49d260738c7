"""Fixtures: real media made by ffmpeg, real SQLite files, configs and app clients by factory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient

from frigate_media.app import create_app
from frigate_media.clock import Clock
from frigate_media.config import FrigateConfig, parse_config
from frigate_media.ffmpeg.runner import Ffmpeg
from tests.support.db import create_frigate_db
from tests.support.media import ClipSpec, make_clip
from tests.support.processes import stop_process

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated clips, shared by the whole session (each spec is encoded once)."""
    return tmp_path_factory.mktemp("generated-media")


@pytest.fixture(scope="session")
def clip_factory(media_dir: Path) -> Callable[..., Path]:
    """Make (or reuse) an H.264 test clip: clip_factory(seconds=10, gop_seconds=1, audio=False)."""

    def factory(offset: float = 0.0, **spec: Any) -> Path:
        return make_clip(media_dir, ClipSpec(**spec), offset=offset)

    return factory


def base_config_dict(root: Path) -> dict[str, Any]:
    """Two cameras without inputs (no background ffmpeg), auth off, everything under `root`.

    Standalone: the DB, media and cache are ours (beside-frigate tests set the mode themselves,
    see tests/beside/)."""
    return {
        "mode": "standalone",
        "database": {"path": str(root / "config" / "frigate.db")},
        "paths": {"media": str(root / "media"), "cache": str(root / "cache")},
        "auth": {"enabled": False, "roles": {"front_only": ["front"]}},
        "cameras": {
            "front": {
                "ffmpeg": {"inputs": []},
                "detect": {"width": 640, "height": 360, "fps": 5},
                "snapshots": {"enabled": True},
            },
            "back": {
                "ffmpeg": {"inputs": []},
                "detect": {"width": 640, "height": 360, "fps": 5},
                "snapshots": {"enabled": True},
            },
        },
    }


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@pytest.fixture
def config_factory(tmp_path: Path) -> Callable[..., FrigateConfig]:
    """Build a config rooted in tmp_path: config_factory({"auth": {"enabled": True}})."""

    def factory(override: dict[str, Any] | None = None) -> FrigateConfig:
        return parse_config(deep_merge(base_config_dict(tmp_path), override or {}))

    return factory


@pytest.fixture
def frigate_db(tmp_path: Path) -> Path:
    """An SQLite file with Frigate's DDL at the path the default test config uses."""
    return create_frigate_db(tmp_path / "config" / "frigate.db")


@pytest.fixture
def client_factory(
    config_factory: Callable[..., FrigateConfig],
) -> Iterator[Callable[..., TestClient]]:
    """Start an app (lifespan included) per call: client_factory(override, headers=, clock=, ...)."""
    clients: list[TestClient] = []

    def factory(
        override: dict[str, Any] | None = None,
        *,
        config: FrigateConfig | None = None,
        headers: dict[str, str] | None = None,
        clock: Clock | None = None,
        background: bool = False,
        ffmpeg: Ffmpeg | None = None,
    ) -> TestClient:
        config = config or config_factory(override)
        app = create_app(config, clock=clock, background=background, ffmpeg=ffmpeg)
        client = TestClient(app, headers=headers or {})
        client.__enter__()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(client_factory: Callable[..., TestClient], frigate_db: Path) -> TestClient:
    """The default app: cameras front and back, auth off (requests are admin)."""
    return client_factory()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RunningServer:
    """A `frigate-media serve` subprocess on a free port."""

    def __init__(self, process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
        self.process = process
        self.base_url = base_url
        self.log = log

    def url(self, path: str) -> str:
        return self.base_url + path


def start_server(
    config: dict[str, Any], workdir: Path, timeout: float = 30.0, ready_path: str = "/api/version"
) -> RunningServer:
    """Start `frigate-media serve` on `config` and wait until `ready_path` answers 200."""
    port = free_port()
    config = deep_merge(config, {"server": {"host": "127.0.0.1", "port": port}})
    config_path = workdir / "config.yml"
    config_path.write_text(yaml.safe_dump(config))
    log = workdir / "server.log"
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    with log.open("wb") as output:  # the server writes to its own copy of the descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "frigate_media", "serve", "--config", str(config_path)],
            cwd=workdir,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()}")
        try:
            if httpx.get(base + ready_path, timeout=1).status_code == 200:
                return RunningServer(process, base, log)
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server did not start:\n{log.read_text()}")


def stop_server(server: RunningServer) -> None:
    stop_process(server.process, timeout=15)


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Callable[..., RunningServer]]:
    """Start real servers: server_factory(override_dict) -> RunningServer (stopped afterwards)."""
    servers: list[RunningServer] = []

    def factory(override: dict[str, Any] | None = None) -> RunningServer:
        server = start_server(deep_merge(base_config_dict(tmp_path), override or {}), tmp_path)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        stop_server(server)
