"""The recorder's command lines: segmenting a camera's record input, and the faststart remux.

Built the way Frigate builds its record process; the caller resolves which config level's
strings apply and names the config key when a preset is unknown.
"""

from __future__ import annotations

import itertools

from frigate_media.ffmpeg.args.presets import (
    DEFAULT_CODEC_ARGS,
    RECORD_INPUT_PRESETS,
    RECORD_PRESETS,
    RTSP_INPUT_ARGS,
    ConfigArgs,
    UnknownPreset,
    split_args,
)

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
DEFAULT_GLOBAL_ARGS = ["-loglevel", "warning"]


def input_args(configured: ConfigArgs, source: str) -> list[str]:
    """The input arguments: a preset's, the configured ones, or Frigate's RTSP defaults."""
    if configured is None:
        return RTSP_INPUT_ARGS if source.startswith(("rtsp://", "rtsps://")) else []
    if isinstance(configured, str) and configured.startswith("preset-"):
        if configured not in RECORD_INPUT_PRESETS:
            raise UnknownPreset(configured)
        return RECORD_INPUT_PRESETS[configured]
    return split_args(configured)


def output_args(configured: ConfigArgs) -> list[str]:
    """The output arguments: segmenting plus codec arguments (a preset's, the configured ones, or
    Frigate's default), or a full Frigate record command line as given."""
    if configured is None:
        return [*SEGMENT_ARGS, *FASTSTART_ARGS, *DEFAULT_CODEC_ARGS]
    if isinstance(configured, str) and configured.startswith("preset-"):
        if configured not in RECORD_PRESETS:
            raise UnknownPreset(configured)
        return [*SEGMENT_ARGS, *FASTSTART_ARGS, *RECORD_PRESETS[configured]]
    args = split_args(configured)
    # A full Frigate record command line already segments; anything else is codec arguments.
    if any(a == "-f" and b == "segment" for a, b in itertools.pairwise(args)):
        return args
    return [*SEGMENT_ARGS, *FASTSTART_ARGS, *args]


def record_args(
    *,
    global_args: ConfigArgs,
    inputs: list[str],
    source: str,
    outputs: list[str],
    pattern: str,
) -> list[str]:
    """ffmpeg arguments (after the runner's own) that segment `source` into `pattern` files,
    with `inputs` from `input_args` and `outputs` from `output_args`."""
    return [
        "-y",
        *(split_args(global_args) or DEFAULT_GLOBAL_ARGS),
        *inputs,
        "-i",
        source,
        *outputs,
        pattern,
    ]


def faststart_remux_args(source: str, target: str) -> list[str]:
    """Frigate's move: a stream copy with +faststart so players read the index first."""
    return [
        "-y",
        "-loglevel",
        "error",
        "-i",
        source,
        "-map",
        "0",
        "-c",
        "copy",
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        target,
    ]
