"""Config loading: Frigate's YAML with unknown keys, our extensions, and exit-2 validation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from frigate_media.config import (
    demo_config,
    frigate_variables,
    load_config,
    parse_config,
    substitute_env,
)
from frigate_media.errors import ConfigError

REAL_FRIGATE_CONFIG = """
mqtt:
  enabled: true
  host: mqtt.local
  user: '{FRIGATE_MQTT_USER}'
  password: '{FRIGATE_MQTT_PASSWORD}'
  stats_interval: 60
detectors:
  coral: {type: edgetpu, device: usb}
objects:
  track: [person, car]
go2rtc:
  streams:
    front: [rtsp://user:pass@10.0.0.2/stream]
review:
  alerts: {labels: [person]}
genai: {enabled: false}
database: {path: /config/frigate.db}
ffmpeg:
  path: default
  hwaccel_args: preset-vaapi
  retry_interval: 15
auth:
  enabled: true
  roles:
    porch: [front]
proxy:
  header_map: {user: x-forwarded-user, role: x-forwarded-role}
  default_role: viewer
model:
  colormap: {person: [255, 0, 0]}
birdseye: {enabled: true, restream: true, width: 1280, height: 720}
cameras:
  front:
    ffmpeg:
      inputs:
        - path: rtsp://{FRIGATE_RTSP_USER}@10.0.0.2/main
          roles: [record]
        - path: rtsp://10.0.0.2/sub
          input_args: preset-rtsp-restream
          roles: [detect]
    detect: {width: 1280, height: 720, fps: 5}
    record: {enabled: true, retain: {days: 7, mode: motion}, alerts: {retain: {days: 30}}}
    snapshots: {enabled: true, bounding_box: true, retain: {default: 10}}
    motion: {mask: ["0,0,100,0,100,100,0,100"], threshold: 30}
    zones:
      yard: {coordinates: "0,0,200,0,200,200", objects: [person]}
    timestamp_style: {position: tr, format: "%Y-%m-%d %H:%M:%S", effect: solid}
    onvif: {host: 10.0.0.2, port: 80, user: admin, password: secret}
    objects: {track: [person]}
    review: {alerts: {required_zones: [yard]}}
"""


def test_a_real_frigate_config_with_unused_keys_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRIGATE_MQTT_USER", "mqttuser")
    monkeypatch.setenv("FRIGATE_MQTT_PASSWORD", "s3cret")
    monkeypatch.setenv("FRIGATE_RTSP_USER", "cam:pw")
    path = tmp_path / "config.yml"
    path.write_text(REAL_FRIGATE_CONFIG)
    config = load_config(path)
    front = config.cameras["front"]
    assert front.ffmpeg.inputs[0].path == "rtsp://cam:pw@10.0.0.2/main"
    assert front.input_with_role("detect") is front.ffmpeg.inputs[1]
    assert front.ffmpeg.retry_interval == 15
    assert front.record.retain.days == 7
    assert front.timestamp_style.position == "tr"
    assert config.cameras_for_role("porch") == frozenset({"front"})
    assert config.cameras_for_role("viewer") is None
    assert config.server.api_prefix == "/api"
    assert config.paths.media == "/media/frigate"
    assert config.mqtt is not None and config.mqtt.active
    assert (config.mqtt.host, config.mqtt.port, config.mqtt.topic_prefix) == (
        "mqtt.local",
        1883,
        "frigate",
    )
    assert (config.mqtt.user, config.mqtt.password) == ("mqttuser", "s3cret")


def test_a_missing_frigate_env_variable_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="FRIGATE_NOPE"):
        parse_config({"cameras": {"a": {"ffmpeg": {"inputs": [{"path": "{FRIGATE_NOPE}"}]}}}})


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"cameras": {"front door": {}}}, "cameras.front door"),
        ({"cameras": {"a/../b": {}}}, "cameras.a/../b"),
        ({"cameras": {"a": {"detect": {"width": 0}}}}, "cameras.a.detect.width"),
        ({"cameras": {"a": {"detect": {"height": -5}}}}, "cameras.a.detect.height"),
        ({"cameras": {"a": {}}, "auth": {"roles": {"limited": ["b"]}}}, "auth.roles.limited"),
        ({"cameras": {"events": {}}}, "cameras.events"),
        ({"server": {"port": 0}}, "server.port"),
    ],
)
def test_invalid_values_name_the_key(raw: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    assert str(caught.value).startswith(key)


def test_api_prefix_is_normalised() -> None:
    assert parse_config({"server": {"api_prefix": ""}}).server.api_prefix == ""
    assert parse_config({"server": {"api_prefix": "media/"}}).server.api_prefix == "/media"


def test_the_demo_config_records_a_synthetic_camera(tmp_path: Path) -> None:
    config = demo_config(tmp_path)
    demo = config.cameras["demo"]
    assert demo.record.enabled
    assert demo.input_with_role("detect") is not None
    assert config.database.path == str(tmp_path / "frigate.db")


def test_serve_with_an_invalid_config_exits_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yml"
    path.write_text("cameras:\n  'bad name':\n    enabled: true\n")
    result = subprocess.run(
        [sys.executable, "-m", "frigate_media", "serve", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "cameras.bad name" in lines[0]


def test_the_shipped_example_and_demo_configs_load(monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(__file__).resolve().parent.parent / "config"
    for name in (
        "FRIGATE_RTSP_USER",
        "FRIGATE_RTSP_PASSWORD",
        "FRIGATE_ONVIF_PASSWORD",
        "FRIGATE_MQTT_USER",
        "FRIGATE_MQTT_PASSWORD",
    ):
        monkeypatch.setenv(name, "x")
    assert "front" in load_config(root / "example.yml").cameras
    assert load_config(root / "demo.yml").cameras["demo"].record.enabled


def test_mqtt_is_off_when_absent_disabled_or_without_a_host() -> None:
    assert parse_config({}).mqtt is None
    disabled = parse_config({"mqtt": {"enabled": False, "host": "broker"}}).mqtt
    assert disabled is not None and not disabled.active
    hostless = parse_config({"mqtt": {"enabled": True}}).mqtt
    assert hostless is not None and not hostless.active


def test_mqtt_keys_frigate_knows_and_our_stale_time_are_read() -> None:
    mqtt = parse_config(
        {
            "mqtt": {
                "host": "broker",
                "port": 8883,
                "topic_prefix": "nvr",
                "client_id": "nvr1",
                "tls_ca_certs": "/certs/ca.pem",
                "tls_client_cert": "/certs/c.pem",
                "tls_client_key": "/certs/c.key",
                "tls_insecure": True,
                "transport": "websockets",
                "stale_seconds": 90,
            }
        }
    ).mqtt
    assert mqtt is not None
    assert (mqtt.port, mqtt.topic_prefix, mqtt.client_id) == (8883, "nvr", "nvr1")
    assert (mqtt.tls_ca_certs, mqtt.tls_client_cert, mqtt.tls_client_key) == (
        "/certs/ca.pem",
        "/certs/c.pem",
        "/certs/c.key",
    )
    assert mqtt.tls_insecure is True
    assert mqtt.transport == "websockets"
    assert mqtt.stale_seconds == 90


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"mqtt": {"host": "b", "user": "u"}}, "mqtt"),
        ({"mqtt": {"host": "b", "port": 70000}}, "mqtt.port"),
        ({"mqtt": {"host": "b", "stale_seconds": 0}}, "mqtt.stale_seconds"),
        ({"mqtt": {"host": "b", "transport": "udp"}}, "mqtt.transport"),
    ],
)
def test_bad_mqtt_keys_are_config_errors(raw: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    assert str(caught.value).startswith(key)


def test_a_config_without_a_mode_is_beside_frigate_and_read_only() -> None:
    config = parse_config({"cameras": {"front": {"record": {"enabled": True}}}})

    assert (config.mode, config.read_only) == ("beside-frigate", True)
    assert config.scratch_dir() == "/tmp/frigate-media"


def test_the_demo_is_standalone_with_its_scratch_in_its_cache(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent / "config"
    for config in (demo_config(tmp_path), load_config(root / "demo.yml")):
        assert (config.mode, config.read_only) == ("standalone", False)
        assert config.scratch_dir() == str(Path(config.paths.cache) / "frigate-media")


def test_an_unknown_mode_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"^mode"):
        parse_config({"mode": "read-only"})


FRIGATE_CONFIG = """
mqtt: {enabled: false}
database: {path: /config/frigate.db}
go2rtc:
  streams:
    front: [rtsp://cam/main]
auth: {enabled: true, roles: {porch: [front]}}
cameras:
  front:
    ffmpeg:
      inputs:
        - {path: 'rtsp://127.0.0.1:8554/front', roles: [detect, record]}
    detect: {width: 1280, height: 720}
    record: {enabled: true}
"""


def test_our_file_is_laid_over_frigates_which_is_read_and_never_written(tmp_path: Path) -> None:
    frigate_file = tmp_path / "frigate" / "config.yml"
    frigate_file.parent.mkdir()
    frigate_file.write_text(FRIGATE_CONFIG)
    before = (frigate_file.read_bytes(), frigate_file.stat().st_mtime_ns)
    ours = tmp_path / "media.yml"
    ours.write_text(
        "frigate_config: frigate/config.yml\n"  # relative to our file
        "server: {port: 5010, api_prefix: ''}\n"
        "paths: {scratch: /var/tmp/fm}\n"
        "database: {path: /data/frigate.db}\n"
        "cameras: {front: {detect: {height: 360}}}\n"
    )

    config = load_config(ours)

    assert config.frigate_config == str(frigate_file)
    assert config.mode == "beside-frigate"  # neither file sets it
    assert (config.server.port, config.server.api_prefix) == (5010, "")
    assert config.scratch_dir() == "/var/tmp/fm"
    assert config.database.path == "/data/frigate.db"  # ours wins
    front = config.cameras["front"]
    assert (front.detect.width, front.detect.height) == (1280, 360)  # merged key by key
    assert front.record.enabled and front.input_with_role("record") is not None
    assert config.cameras_for_role("porch") == frozenset({"front"})
    assert list(config.go2rtc.streams) == ["front"]
    assert (frigate_file.read_bytes(), frigate_file.stat().st_mtime_ns) == before


def test_a_missing_or_chained_frigate_config_is_a_config_error(tmp_path: Path) -> None:
    ours = tmp_path / "media.yml"
    ours.write_text("frigate_config: /nope/config.yml\n")
    with pytest.raises(ConfigError, match=r"/nope/config\.yml"):
        load_config(ours)
    (tmp_path / "frigate.yml").write_text("frigate_config: other.yml\n")
    ours.write_text("frigate_config: frigate.yml\n")
    with pytest.raises(ConfigError, match="names another config"):
        load_config(ours)


def test_the_shipped_beside_frigate_config_loads_over_a_frigate_config(tmp_path: Path) -> None:
    (tmp_path / "config.yml").write_text(FRIGATE_CONFIG)
    shipped = Path(__file__).resolve().parent.parent / "config" / "beside-frigate.yml"
    ours = tmp_path / "beside-frigate.yml"
    ours.write_text(
        shipped.read_text().replace(
            "frigate_config: /config/config.yml", "frigate_config: config.yml"
        )
    )

    config = load_config(ours)

    assert (config.mode, config.frigate_config) == ("beside-frigate", str(tmp_path / "config.yml"))
    assert (config.server.port, config.server.api_prefix) == (5010, "")
    assert config.scratch_dir() == "/tmp/frigate-media"
    assert "front" in config.cameras and not config.live_ingest.detect_fallback


def test_behind_frigate_nginx_is_refused_beside_frigate() -> None:
    assert parse_config({"mode": "standalone", "server": {"behind_frigate_nginx": True}})
    with pytest.raises(ConfigError, match=r"server\.behind_frigate_nginx"):
        parse_config({"server": {"behind_frigate_nginx": True}})


def test_the_scratch_total_must_leave_room_beyond_the_sample_index() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"limits": {"scratch_mb": 100, "sample_index_mb": 100}})
    assert "scratch_mb" in str(caught.value)
    limits = parse_config({"limits": {"scratch_mb": 0.5, "sample_index_mb": 0.25}}).limits
    assert (limits.scratch_mb, limits.sample_index_mb) == (0.5, 0.25)


def test_the_sample_index_and_the_caches_get_their_caps_from_the_config(tmp_path: Path) -> None:
    from frigate_media.app import build_preview_files, build_sample_index, build_scratch
    from frigate_media.storage.paths import MediaPaths

    config = parse_config(
        {
            "mode": "standalone",
            "paths": {"media": str(tmp_path / "media"), "cache": str(tmp_path / "cache")},
            "limits": {"scratch_mb": 40, "sample_index_mb": 8, "preview_cache_mb": 16},
        }
    )
    paths = MediaPaths.from_config(config)
    index = build_sample_index(config, paths)
    try:
        assert index.max_bytes == 8 * 1024 * 1024
        assert index.path.parent == paths.sample_index
    finally:
        index.close()
    scratch = build_scratch(config)
    assert scratch.max_bytes == 32 * 1024 * 1024  # the index's share is set aside
    previews = build_preview_files(config, paths, scratch)
    assert previews.max_bytes == 16 * 1024 * 1024 and scratch.members == [previews]


def test_docker_secrets_named_frigate_are_substituted_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Frigate reads `{FRIGATE_*}` from /run/secrets too (an MQTT password as a secret)."""
    (tmp_path / "FRIGATE_MQTT_PASSWORD").write_text("from-secret\n")
    (tmp_path / "FRIGATE_RTSP_USER").write_text("secret-user")
    (tmp_path / "OTHER").write_text("ignored")
    monkeypatch.setenv("FRIGATE_RTSP_USER", "env-user")
    found = frigate_variables(tmp_path)
    assert found["FRIGATE_MQTT_PASSWORD"] == "from-secret"
    assert found["FRIGATE_RTSP_USER"] == "env-user"
    assert "OTHER" not in found
    raw = {"mqtt": {"password": "{FRIGATE_MQTT_PASSWORD}"}}
    assert substitute_env(raw, found) == {"mqtt": {"password": "from-secret"}}
