"""Beside Frigate, live frames come from Frigate's go2rtc restream (a real RTSP server here, see
tests/support/rtsp.py), scaled to the detect size, and nothing is written into Frigate's cache; a
per-camera override reads another source; a camera without a restream shows Frigate's preview
frames, which are only read."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from frigate_media.app import create_app
from frigate_media.config import load_config
from frigate_media.imaging import decode
from tests.frames.conftest import TcpSource, wait_until
from tests.support.app import frames_of
from tests.support.db import create_frigate_db
from tests.support.media import make_image
from tests.support.rtsp import RtspSource

HEADERS = {"remote-user": "root", "remote-role": "admin"}
DETECT = {"width": 320, "height": 180, "fps": 5}


@pytest.fixture(scope="module")
def restream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RtspSource]:
    """go2rtc's stand-in: 1280x720 at 5 fps, every stream name."""
    source = RtspSource(tmp_path_factory.mktemp("rtsp")).start()
    yield source
    source.stop()


@pytest.fixture
def beside_app(tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """beside_app(frigate_cameras, go2rtc=..., live_ingest=...) -> a started app (ingesting)."""
    db = create_frigate_db(tmp_path / "config" / "frigate.db")
    clients: list[TestClient] = []

    def start(cameras: dict[str, Any], **ours: Any) -> TestClient:
        frigate: dict[str, Any] = {"database": {"path": str(db)}, "cameras": cameras}
        if "go2rtc" in ours:
            frigate["go2rtc"] = ours.pop("go2rtc")
        frigate_file = tmp_path / "config" / "config.yml"
        frigate_file.write_text(yaml.safe_dump(frigate))
        ours_file = tmp_path / "frigate-media.yml"
        ours_file.write_text(
            yaml.safe_dump(
                {
                    "mode": "beside-frigate",
                    "frigate_config": str(frigate_file),
                    "paths": {
                        "media": str(tmp_path / "media"),
                        "cache": str(tmp_path / "cache"),
                        "scratch": str(tmp_path / "scratch"),
                    },
                    **ours,
                }
            )
        )
        client = TestClient(create_app(load_config(ours_file), background=True), headers=HEADERS)
        client.__enter__()
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.__exit__(None, None, None)


def frigate_camera(*inputs: tuple[str, list[str]]) -> dict[str, Any]:
    return {
        "ffmpeg": {
            "inputs": [
                {"path": path, "input_args": "preset-rtsp-restream", "roles": roles}
                for path, roles in inputs
            ],
            "retry_interval": 5,
        },
        "detect": DETECT,
        "record": {"enabled": True},
    }


def live_frame_shape(client: TestClient, camera: str) -> tuple[int, ...]:
    processor = frames_of(client)
    wait_until(lambda: not processor.is_offline(camera), timeout=40)
    response = client.get(f"/api/{camera}/latest.jpg")
    assert response.status_code == 200 and "x-frigate-offline" not in response.headers
    return tuple(decode(response.content).shape[:2])


def test_a_camera_is_read_from_the_restream_its_detect_input_names(
    beside_app: Callable[..., TestClient], restream: RtspSource, tmp_path: Path
) -> None:
    """Frigate's recommended shape: the camera itself is only opened by go2rtc."""
    port = restream.port
    plays = restream.sessions
    client = beside_app(
        {
            "front": frigate_camera(
                (f"rtsp://127.0.0.1:{port}/front", ["record"]),
                (f"rtsp://127.0.0.1:{port}/front_sub", ["detect"]),
            )
        },
        go2rtc={
            "streams": {"front": ["rtsp://cam/main"], "front_sub": ["rtsp://cam/sub"]},
            "rtsp": {"listen": f":{port}"},
        },
    )

    assert live_frame_shape(client, "front") == (180, 320)  # 1280x720 scaled to detect
    ingest = frames_of(client).ingests["front"]
    assert f"rtsp://127.0.0.1:{port}/front_sub" in ingest.args
    assert restream.sessions == plays + 1  # one connection, the detect stream's
    assert not (tmp_path / "cache").exists()  # no preview frames written into Frigate's cache
    assert not (tmp_path / "media").exists()


def test_a_camera_read_directly_by_frigate_uses_the_stream_named_after_it(
    beside_app: Callable[..., TestClient], restream: RtspSource
) -> None:
    """go2rtc's port comes from Frigate's `go2rtc.rtsp.listen` (8554 when absent)."""
    port = restream.port
    client = beside_app(
        {"yard": frigate_camera(("rtsp://user:pw@192.0.2.7/live", ["detect", "record"]))},
        go2rtc={"streams": {"yard": ["rtsp://x/live"]}, "rtsp": {"listen": f"0.0.0.0:{port}"}},
    )

    assert frames_of(client).sources["yard"].path == f"rtsp://127.0.0.1:{port}/yard"
    assert live_frame_shape(client, "yard") == (180, 320)


def test_an_override_reads_its_own_source(
    beside_app: Callable[..., TestClient], tcp_source: TcpSource
) -> None:
    client = beside_app(
        {"front": frigate_camera(("rtsp://192.0.2.7/sub", ["detect"]))},
        live_ingest={"cameras": {"front": {"path": tcp_source.url, "input_args": "-f mpegts"}}},
    )

    assert live_frame_shape(client, "front") == (180, 320)
    assert frames_of(client).sources["front"].origin == "override"


def test_without_a_restream_a_camera_is_not_opened_and_shows_frigates_preview_frames(
    beside_app: Callable[..., TestClient], tmp_path: Path
) -> None:
    frames = tmp_path / "cache" / "preview_frames"
    frame = make_image(frames / "preview_front-1719000000.000000.webp", 320, 180)
    before = (frame.stat().st_mtime_ns, frame.read_bytes())

    client = beside_app({"front": frigate_camera(("rtsp://192.0.2.7/sub", ["detect"]))})
    response = client.get("/api/front/latest.jpg")

    assert frames_of(client).ingests == {}  # the camera was not opened a second time
    assert response.status_code == 200
    assert decode(response.content).shape[:2] == (180, 320)
    assert sorted(p.name for p in frames.iterdir()) == [frame.name]
    assert (frame.stat().st_mtime_ns, frame.read_bytes()) == before
