"""Which input each camera's live frames come from: standalone the detect input; beside Frigate
the go2rtc restream Frigate's config declares, an override of ours, or (only when allowed) the
detect input."""

from __future__ import annotations

from typing import Any

import pytest

from frigate_media.config import FrigateConfig, parse_config
from frigate_media.frames.sources import (
    LiveSource,
    detect_inputs,
    restream_name,
    restream_sources,
)

CAMERA_RTSP = "rtsp://user:pw@10.0.0.2:554/main"


def camera(*inputs: tuple[str, list[str]], **extra: Any) -> dict[str, Any]:
    return {
        "ffmpeg": {"inputs": [{"path": path, "roles": roles} for path, roles in inputs]},
        "detect": {"width": 640, "height": 360},
        **extra,
    }


def beside(cameras: dict[str, Any], **keys: Any) -> FrigateConfig:
    return parse_config({"mode": "beside-frigate", "cameras": cameras, **keys})


def test_standalone_reads_each_enabled_cameras_detect_input() -> None:
    config = parse_config(
        {
            "mode": "standalone",
            "cameras": {
                "front": camera((CAMERA_RTSP, ["record"]), ("rtsp://10.0.0.2/sub", ["detect"])),
                "off": camera(("rtsp://10.0.0.3/sub", ["detect"]), enabled=False),
                "recorder": camera((CAMERA_RTSP, ["record"])),
            },
        }
    )

    assert detect_inputs(config) == {
        "front": LiveSource("front", "rtsp://10.0.0.2/sub", None, "detect-input")
    }


def test_the_restream_the_detect_input_already_reads_comes_first() -> None:
    """Frigate's usual shape: detect on the sub stream, record on the main one, both restreamed."""
    config = beside(
        {
            "front": camera(
                ("rtsp://127.0.0.1:8554/front", ["record"]),
                ("rtsp://127.0.0.1:8554/front_sub?video=copy", ["detect"]),
            )
        },
        go2rtc={"streams": {"front": [CAMERA_RTSP], "front_sub": ["rtsp://10.0.0.2/sub"]}},
    )

    [source] = restream_sources(config).values()

    assert source.path == "rtsp://127.0.0.1:8554/front_sub?video=copy"
    assert (source.origin, source.input_args) == ("restream", "preset-rtsp-restream")


def test_a_camera_reading_its_camera_directly_gets_the_stream_named_after_it() -> None:
    config = beside(
        {"front": camera((CAMERA_RTSP, ["detect", "record"]))},
        go2rtc={"streams": {"front": [CAMERA_RTSP]}},
    )

    assert restream_sources(config)["front"].path == "rtsp://127.0.0.1:8554/front"


def test_a_record_input_on_the_restream_is_used_when_nothing_else_is() -> None:
    config = beside(
        {
            "front": camera(
                ("rtsp://127.0.0.1:8554/front_main", ["record"]),
                (CAMERA_RTSP, ["detect"]),
            )
        },
        go2rtc={"streams": {"front_main": [CAMERA_RTSP]}},
    )

    assert restream_sources(config)["front"].path == "rtsp://127.0.0.1:8554/front_main"


def test_a_stream_go2rtc_does_not_have_is_not_used() -> None:
    config = beside(
        {"front": camera(("rtsp://127.0.0.1:8554/front_sub", ["detect"]))},
        go2rtc={"streams": {"other": ["rtsp://10.0.0.9/x"]}},
    )

    assert restream_sources(config) == {}


def test_without_a_restream_the_detect_input_is_opened_only_when_allowed() -> None:
    cameras = {"front": camera((CAMERA_RTSP, ["detect"]))}

    assert restream_sources(beside(cameras)) == {}
    fallback = restream_sources(beside(cameras, live_ingest={"detect_fallback": True}))
    assert fallback["front"] == LiveSource("front", CAMERA_RTSP, None, "detect-input")


def test_our_override_wins_over_everything() -> None:
    config = beside(
        {"front": camera(("rtsp://127.0.0.1:8554/front", ["detect"]))},
        go2rtc={"streams": {"front": [CAMERA_RTSP]}},
        live_ingest={"cameras": {"front": {"path": "tcp://127.0.0.1:9000", "input_args": "-re"}}},
    )

    assert restream_sources(config)["front"] == LiveSource(
        "front", "tcp://127.0.0.1:9000", "-re", "override"
    )


def test_go2rtcs_port_credentials_and_our_restream_host_shape_the_url() -> None:
    config = beside(
        {"front": camera((CAMERA_RTSP, ["detect"]))},
        go2rtc={
            "streams": {"front": [CAMERA_RTSP]},
            "rtsp": {"listen": ":8555", "username": "media", "password": "p@ss"},
        },
        live_ingest={"restream_host": "frigate.local"},
    )

    assert restream_sources(config)["front"].path == "rtsp://media:p%40ss@frigate.local:8555/front"


def test_an_override_for_an_unknown_camera_is_a_config_error() -> None:
    from frigate_media.errors import ConfigError

    with pytest.raises(ConfigError, match=r"live_ingest\.cameras\.nope"):
        beside({}, live_ingest={"cameras": {"nope": {"path": "rtsp://x/y"}}})


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("rtsp://127.0.0.1:8554/front", "front"),
        ("rtsp://localhost:8554/front_sub?video&audio", "front_sub"),
        ("rtsp://u:p@127.0.0.1:8554/a", "a"),
        ("rtsp://127.0.0.1:8555/front", None),  # another port: not go2rtc
        ("rtsp://10.0.0.2:8554/front", None),  # a camera that happens to use 8554
        ("rtsp://127.0.0.1/front", None),
        ("http://127.0.0.1:8554/front", None),
        ("rtsp://127.0.0.1:8554/", None),
        ("rtsp://[bad", None),
    ],
)
def test_restream_names_are_read_from_loopback_urls_on_go2rtcs_port(
    path: str, name: str | None
) -> None:
    assert restream_name(path, 8554) == name
