"""The recorder's command from config (which level's args; the argv itself: tests/ffmpeg/args) and
Frigate's names: cache and final paths."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from frigate_media.config import FrigateConfig
from frigate_media.errors import ConfigError
from frigate_media.workers.recording.command import record_args, records
from frigate_media.workers.recording.layout import (
    new_recording_id,
    parse_cache_name,
    recording_path,
    segment_size_mb,
    start_from_layout,
)
from frigate_media.workers.recording.mp4 import read_boxes

SEGMENTING = ["-f", "segment", "-segment_time", "10", "-segment_format", "mp4"]


def camera_config(config_factory: Callable[..., FrigateConfig], **ffmpeg: Any) -> FrigateConfig:
    inputs = [{"path": "rtsp://cam/stream", "roles": ["detect", "record"]}]
    return config_factory(
        {
            "cameras": {
                "front": {"ffmpeg": {"inputs": inputs, **ffmpeg}, "record": {"enabled": True}}
            }
        }
    )


def test_default_command_copies_video_into_10_second_segments_named_by_time(
    config_factory: Callable[..., FrigateConfig], tmp_path: Path
) -> None:
    config = camera_config(config_factory)
    args = record_args(config, config.cameras["front"], tmp_path)
    joined = " ".join(args)
    assert " ".join(SEGMENTING) in joined
    assert "-reset_timestamps 1 -strftime 1" in joined
    assert "-c:v copy -c:a aac" in joined
    assert "-rtsp_transport tcp" in joined  # Frigate's preset-rtsp-generic for an RTSP input
    assert args[args.index("-i") + 1] == "rtsp://cam/stream"
    assert args[-1] == str(tmp_path / "front@%Y%m%d%H%M%S%z.mp4")


def test_an_unknown_preset_is_a_config_error_naming_the_key(
    config_factory: Callable[..., FrigateConfig], tmp_path: Path
) -> None:
    config = camera_config(config_factory, output_args={"record": "preset-nope"})
    with pytest.raises(ConfigError, match=r"output_args\.record"):
        record_args(config, config.cameras["front"], tmp_path)
    config = camera_config(config_factory, input_args="preset-nope")
    with pytest.raises(
        ConfigError, match=r"cameras\.front\.ffmpeg\.input_args: unknown preset-nope"
    ):
        record_args(config, config.cameras["front"], tmp_path)


def test_only_enabled_cameras_with_a_record_input_are_recorded(
    config_factory: Callable[..., FrigateConfig],
) -> None:
    config = camera_config(config_factory)
    assert records(config.cameras["front"])
    assert not records(config.cameras["back"])  # no inputs
    config.cameras["front"].record.enabled = False
    assert not records(config.cameras["front"])


def test_final_paths_follow_frigates_utc_layout_and_parse_back(tmp_path: Path) -> None:
    path = recording_path(tmp_path, "front", 1_720_000_000.5)
    assert path.relative_to(tmp_path).parts == ("2024-07-03", "09", "front", "46.40.mp4")
    assert start_from_layout("2024-07-03", "09", "46.40.mp4") == 1_720_000_000.0
    assert start_from_layout("2024-02-30", "09", "46.40.mp4") is None
    assert start_from_layout("2024-07-03", "24", "46.40.mp4") is None
    assert start_from_layout("2024-07-03", "09", "46.4.mp4") is None
    assert start_from_layout("2024-07-03", "09", "46.61.mp4") is None


def test_cache_names_carry_their_zone_and_foreign_names_are_refused(tmp_path: Path) -> None:
    segment = parse_cache_name(tmp_path / "front@20240703114640+0200.mp4")
    assert segment is not None
    assert (segment.camera, segment.start) == ("front", 1_720_000_000.0)
    assert parse_cache_name(tmp_path / "preview_front.mp4") is None
    assert parse_cache_name(tmp_path / "front@2024.mp4") is None
    assert parse_cache_name(tmp_path / "front@20240703114640.mp4") is None  # no zone
    assert parse_cache_name(tmp_path / "front@20240703114640+0200.mkv") is None


def test_ids_and_sizes_use_frigates_formats() -> None:
    row_id = new_recording_id(1_720_000_000.25)
    assert row_id.startswith("1720000000.25-") and len(row_id.split("-")[1]) == 6
    assert segment_size_mb(3 * 2**20 + 2**19) == 3.5


def test_box_walk_tells_faststart_complete_and_truncated_files(
    clip_factory: Callable[..., Path], tmp_path: Path
) -> None:
    clip = clip_factory(seconds=2)
    layout = read_boxes(clip)
    assert layout.faststart and layout.complete
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip.read_bytes()[: clip.stat().st_size - 100])
    assert read_boxes(cut).truncated and not read_boxes(cut).complete
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00\x00\x00\x01free")
    assert not read_boxes(junk).complete


def test_the_demo_camera_is_recorded_with_its_libx264_args(tmp_path: Path) -> None:
    from frigate_media.config import demo_config

    config = demo_config(tmp_path)
    camera = config.cameras["demo"]
    assert records(camera)
    args = record_args(config, camera, tmp_path)
    assert args[args.index("-i") - 2 : args.index("-i") + 1] == ["-f", "lavfi", "-i"]
    assert "-c:v libx264" in " ".join(args) and " ".join(SEGMENTING) in " ".join(args)
