"""Fixtures: a real mosquitto per test, and apps that listen to it with a live grey camera."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from frigate_media.workers.mqtt.service import MqttWorker
from tests.frames.conftest import wait_live, wait_until
from tests.support.app import context_of
from tests.support.mosquitto import Broker

WIDTH, HEIGHT = 640, 480
GREEN = [0, 255, 0]  # BGR colour of `person` boxes in these tests


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """mosquitto on a free port with a config under tmp_path; stopped after the test."""
    broker = Broker(tmp_path / "mosquitto")
    broker.start()
    yield broker
    broker.stop()


def grey_camera() -> dict[str, Any]:
    """A live camera whose frames are plain grey: any colour on them is a drawing of ours."""
    return {
        "ffmpeg": {
            "inputs": [
                {
                    "path": f"color=c=0x808080:size={WIDTH}x{HEIGHT}:rate=5",
                    "input_args": "-re -f lavfi",
                    "roles": ["detect"],
                }
            ],
            "retry_interval": 2.0,
        },
        "detect": {"width": WIDTH, "height": HEIGHT, "fps": 5},
        "snapshots": {"enabled": True},
    }


def worker_of(client: TestClient) -> MqttWorker:
    return context_of(client).worker(MqttWorker)


def wait_connected(client: TestClient, timeout: float = 30.0) -> None:
    worker = worker_of(client)
    wait_until(worker.connected.is_set, timeout)


@pytest.fixture
def mqtt_client(
    client_factory: Callable[..., TestClient], frigate_db: Path, broker: Broker
) -> Callable[..., TestClient]:
    """An app with the live grey camera `cam`, subscribed to `broker`: mqtt_client(stale=60)."""

    def factory(stale_seconds: float = 60.0, live: bool = True) -> TestClient:
        client = client_factory(
            {
                "cameras": {"cam": grey_camera()},
                "model": {"colormap": {"person": GREEN}},
                "mqtt": {
                    "host": "127.0.0.1",
                    "port": broker.port,
                    "stale_seconds": stale_seconds,
                },
            },
            background=True,
        )
        if live:
            wait_live(client)
        wait_connected(client)
        return client

    return factory
