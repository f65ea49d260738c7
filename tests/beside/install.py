"""A Frigate install as frigate-media meets it beside Frigate: Frigate's own `config.yml` (never
written by us) in Frigate's config folder next to its database, and our file made from the
shipped `config/beside-frigate.yml` naming it, with only the test's paths and port changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REPO_ROOT, deep_merge
from tests.hardening.world import CAMERAS, World

SHIPPED_BESIDE_CONFIG = REPO_ROOT / "config" / "beside-frigate.yml"
DETECT_WIDTH, DETECT_HEIGHT = 640, 360


def frigate_config(world: World, *, rtsp_port: int | None = None) -> dict[str, Any]:
    """Frigate's config.yml for the world's cameras, as a real install writes it.

    With `rtsp_port` every camera records and detects through go2rtc's restream on that port
    (`record.enabled` with a record input, detect on the `<camera>_sub` stream), as Frigate's docs
    recommend; without it the cameras have no inputs (routing tests need none).
    """
    cameras: dict[str, Any] = {}
    streams: dict[str, list[str]] = {}
    for camera in CAMERAS:
        inputs: list[dict[str, Any]] = []
        if rtsp_port is not None:
            inputs = [
                {
                    "path": f"rtsp://127.0.0.1:{rtsp_port}/{camera}",
                    "input_args": "preset-rtsp-restream",
                    "roles": ["record"],
                },
                {
                    "path": f"rtsp://127.0.0.1:{rtsp_port}/{camera}_sub",
                    "input_args": "preset-rtsp-restream",
                    "roles": ["detect"],
                },
            ]
            streams[camera] = [f"rtsp://user:pass@192.0.2.10/{camera}/main"]
            streams[f"{camera}_sub"] = [f"rtsp://user:pass@192.0.2.10/{camera}/sub"]
        cameras[camera] = {
            "ffmpeg": {"inputs": inputs, "retry_interval": 10},
            "detect": {"enabled": True, "width": DETECT_WIDTH, "height": DETECT_HEIGHT, "fps": 5},
            "record": {"enabled": True, "retain": {"days": 1, "mode": "all"}},
            "snapshots": {"enabled": True, "clean_copy": True},
        }
    config: dict[str, Any] = {
        "mqtt": {"enabled": False},
        "database": {"path": str(world.db_path)},
        "auth": {"enabled": True, "roles": {"front_only": ["front"]}},
        "detectors": {"cpu1": {"type": "cpu"}},  # keys we do not read load unchanged
        "objects": {"track": ["person"]},
        "cameras": cameras,
    }
    if streams:
        config["go2rtc"] = {"streams": streams, "rtsp": {"listen": f":{rtsp_port}"}}
    return config


def write_frigate_config(world: World, config: dict[str, Any]) -> Path:
    """Frigate's config.yml in Frigate's config folder (beside its database)."""
    path = world.db_path.parent / "config.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def beside_config(
    world: World, frigate_file: Path, scratch: Path, override: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Our file: the shipped beside-frigate.yml with the test's Frigate file and directories."""
    shipped = yaml.safe_load(SHIPPED_BESIDE_CONFIG.read_text())
    assert shipped["mode"] == "beside-frigate"
    local = {
        "frigate_config": str(frigate_file),
        "paths": {
            "media": str(world.media_dir),
            "cache": str(world.cache_dir),
            "scratch": str(scratch),
        },
    }
    return deep_merge(deep_merge(shipped, local), override or {})
