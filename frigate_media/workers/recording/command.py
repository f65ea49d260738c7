"""The recorder's ffmpeg command for one camera, built the way Frigate builds its record process."""

from __future__ import annotations

import itertools
import shlex
from pathlib import Path

from frigate_media.config import CameraConfig, FrigateConfig
from frigate_media.errors import ConfigError
from frigate_media.workers.recording.layout import cache_pattern

# Frigate's segmenting arguments (ffmpeg_presets.py, PRESETS_RECORD_OUTPUT).
SEGMENT_ARGS = [
    "-f",
    "segment",
    "-segment_time",
    "10",
    "-segment_format",
    "mp4",
    "-reset_timestamps",
    "1",
    "-strftime",
    "1",
]
# Our addition when we own the segment arguments: the mov muxer writes the index up front, so a
# finished segment moves into place with a rename instead of a remux.
FASTSTART_ARGS = ["-segment_format_options", "movflags=+faststart"]
# Frigate's default record output (preset-record-generic-audio-aac): copy video; audio, when the
# input has it, becomes AAC because MP4 cannot hold the G.711 most cameras send.
DEFAULT_CODEC_ARGS = ["-c:v", "copy", "-c:a", "aac"]
RECORD_PRESETS: dict[str, list[str]] = {
    "preset-record-generic": ["-c", "copy", "-an"],
    "preset-record-generic-audio-aac": DEFAULT_CODEC_ARGS,
    "preset-record-generic-audio-copy": ["-c", "copy"],
}
# Frigate's preset-rtsp-generic, the default input arguments for RTSP sources.
RTSP_INPUT_ARGS = [
    "-avoid_negative_ts",
    "make_zero",
    "-fflags",
    "+genpts+discardcorrupt",
    "-rtsp_transport",
    "tcp",
    "-timeout",
    "5000000",
    "-use_wallclock_as_timestamps",
    "1",
]
INPUT_PRESETS: dict[str, list[str]] = {
    "preset-rtsp-generic": RTSP_INPUT_ARGS,
    "preset-rtsp-restream": RTSP_INPUT_ARGS,
    "preset-rtsp-restream-low-latency": RTSP_INPUT_ARGS,
    "preset-rtsp-udp": [a if a != "tcp" else "udp" for a in RTSP_INPUT_ARGS],
}
DEFAULT_GLOBAL_ARGS = ["-loglevel", "warning"]


def split_args(value: str | list[str] | None) -> list[str]:
    """Config args are a shell-like string or a list, as in Frigate."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(part) for part in value]
    return shlex.split(value)


def _input_args(config: FrigateConfig, camera: CameraConfig, path: str) -> list[str]:
    record_input = camera.input_with_role("record")
    configured = (
        (record_input.input_args if record_input else None)
        or camera.ffmpeg.input_args
        or config.ffmpeg.input_args
    )
    if configured is None:
        return RTSP_INPUT_ARGS if path.startswith(("rtsp://", "rtsps://")) else []
    if isinstance(configured, str) and configured.startswith("preset-"):
        if configured not in INPUT_PRESETS:
            raise ConfigError(f"cameras.{camera.name}.ffmpeg.input_args: unknown {configured}")
        return INPUT_PRESETS[configured]
    return split_args(configured)


def _output_args(config: FrigateConfig, camera: CameraConfig) -> list[str]:
    configured = camera.ffmpeg.output_args.record or config.ffmpeg.output_args.record
    if configured is None:
        return [*SEGMENT_ARGS, *FASTSTART_ARGS, *DEFAULT_CODEC_ARGS]
    if isinstance(configured, str) and configured.startswith("preset-"):
        if configured not in RECORD_PRESETS:
            raise ConfigError(
                f"cameras.{camera.name}.ffmpeg.output_args.record: unknown {configured}"
            )
        return [*SEGMENT_ARGS, *FASTSTART_ARGS, *RECORD_PRESETS[configured]]
    args = split_args(configured)
    # A full Frigate record command line already segments; anything else is codec arguments.
    if any(a == "-f" and b == "segment" for a, b in itertools.pairwise(args)):
        return args
    return [*SEGMENT_ARGS, *FASTSTART_ARGS, *args]


def record_args(config: FrigateConfig, camera: CameraConfig, cache_dir: Path) -> list[str]:
    """ffmpeg arguments (after the runner's own) that segment the camera's record input."""
    record_input = camera.input_with_role("record")
    if record_input is None:
        raise ConfigError(f"cameras.{camera.name}: no input has the record role")
    global_args = split_args(camera.ffmpeg.global_args or config.ffmpeg.global_args)
    return [
        "-y",
        *(global_args or DEFAULT_GLOBAL_ARGS),
        *_input_args(config, camera, record_input.path),
        "-i",
        record_input.path,
        *_output_args(config, camera),
        cache_pattern(cache_dir, camera.name),
    ]


def records(camera: CameraConfig) -> bool:
    """True for a camera this service records: enabled, recording on, with a record input."""
    return camera.enabled and camera.record.enabled and camera.input_with_role("record") is not None
