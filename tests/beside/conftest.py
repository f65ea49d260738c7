"""Fixtures for the beside-Frigate tests: a Frigate install's media, frigate-media configured
as it runs behind Frigate's nginx, the stand-in for the rest of Frigate, nginx in front."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.beside.install import beside_config, frigate_config, write_frigate_config
from tests.beside.nginx import RunningNginx, start_nginx, stop_nginx
from tests.beside.stand_in import FrigateStandIn
from tests.conftest import RunningServer, start_server, stop_server
from tests.hardening.world import World, build_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, clip_factory: Callable[..., Path]) -> World:
    """Both cameras' recordings, events, reviews, previews and exports in Frigate's layout."""
    clip = clip_factory(seconds=10, fps=5, width=640, height=360, gop_seconds=1)
    preview = clip_factory(seconds=60, fps=1, width=320, height=180, gop_seconds=10)
    return build_world(tmp_path_factory.mktemp("frigate-install"), clip, preview)


@pytest.fixture(scope="module")
def frigate_media(world: World) -> Iterator[RunningServer]:
    """frigate-media beside Frigate, behind Frigate's nginx, on the shipped beside-frigate.yml:
    Frigate's /auth decides who is asking, nginx passes the answer as remote-user/remote-role,
    and the prefix is nginx's business. Frigate's role `front_only` sees camera `front` only."""
    workdir = world.root / "frigate-media"
    workdir.mkdir(exist_ok=True)
    frigate_file = write_frigate_config(world, frigate_config(world))
    config = beside_config(world, frigate_file, workdir / "scratch")
    server = start_server(config, workdir, ready_path="/version")
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def stand_in() -> Iterator[FrigateStandIn]:
    server = FrigateStandIn().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def nginx_factory(
    tmp_path_factory: pytest.TempPathFactory, stand_in: FrigateStandIn
) -> Iterator[Callable[..., RunningNginx]]:
    """nginx_factory(upstream_port, hls="nginx-vod") -> nginx in front of that upstream."""
    started: list[RunningNginx] = []

    def factory(upstream_port: int, hls: str = "nginx-vod") -> RunningNginx:
        prefix = tmp_path_factory.mktemp("nginx")
        nginx = start_nginx(
            prefix, stand_in_port=stand_in.port, frigate_media_port=upstream_port, hls=hls
        )
        started.append(nginx)
        return nginx

    yield factory
    for nginx in started:
        stop_nginx(nginx)


@pytest.fixture(scope="module")
def nginx(nginx_factory: Callable[..., RunningNginx], frigate_media: RunningServer) -> RunningNginx:
    """Frigate's nginx with the includes as shipped: /vod/ HLS stays with nginx-vod."""
    return nginx_factory(int(frigate_media.base_url.rsplit(":", 1)[1]))
