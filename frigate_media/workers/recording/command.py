"""The recorder's ffmpeg command for one camera: which config level's arguments apply.

The command line itself is built by `ffmpeg/args/record.py` from the strings chosen here.
"""

from __future__ import annotations

from pathlib import Path

from frigate_media.config import CameraConfig, FrigateConfig
from frigate_media.errors import ConfigError
from frigate_media.ffmpeg.args import record
from frigate_media.ffmpeg.args.presets import UnknownPreset
from frigate_media.workers.recording.layout import cache_pattern


def record_args(config: FrigateConfig, camera: CameraConfig, cache_dir: Path) -> list[str]:
    """ffmpeg arguments (after the runner's own) that segment the camera's record input."""
    record_input = camera.input_with_role("record")
    if record_input is None:
        raise ConfigError(f"cameras.{camera.name}: no input has the record role")
    configured_input = (
        record_input.input_args or camera.ffmpeg.input_args or config.ffmpeg.input_args
    )
    configured_output = camera.ffmpeg.output_args.record or config.ffmpeg.output_args.record
    key = f"cameras.{camera.name}.ffmpeg"
    try:
        inputs = record.input_args(configured_input, record_input.path)
    except UnknownPreset as error:
        raise ConfigError(f"{key}.input_args: {error}") from None
    try:
        outputs = record.output_args(configured_output)
    except UnknownPreset as error:
        raise ConfigError(f"{key}.output_args.record: {error}") from None
    return record.record_args(
        global_args=camera.ffmpeg.global_args or config.ffmpeg.global_args,
        inputs=inputs,
        source=record_input.path,
        outputs=outputs,
        pattern=cache_pattern(cache_dir, camera.name),
    )


def records(camera: CameraConfig) -> bool:
    """True for a camera this service records: enabled, recording on, with a record input."""
    return camera.enabled and camera.record.enabled and camera.input_with_role("record") is not None
