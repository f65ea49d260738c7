"""The detect ingest: decode a camera input, rate-limit and scale it to raw yuv420p on stdout."""

from __future__ import annotations

import logging

from frigate_media.ffmpeg.args.presets import DETECT_INPUT_PRESETS, ConfigArgs, split_args

logger = logging.getLogger(__name__)

DEFAULT_RTSP_PRESET = "preset-rtsp-generic"


def expand_args(value: ConfigArgs) -> list[str]:
    """Frigate's args (a string or a list) with every preset token replaced by its flags."""
    result: list[str] = []
    for token in split_args(value):
        if token.startswith("preset-"):
            preset = DETECT_INPUT_PRESETS.get(token)
            if preset is None:
                logger.warning("ffmpeg preset %s is not supported here; ignored", token)
            else:
                result.extend(preset)
        else:
            result.append(token)
    return result


def input_args(configured: ConfigArgs, source: str) -> list[str]:
    """The input arguments: the configured ones, or Frigate's generic preset for RTSP."""
    if configured is None and source.startswith("rtsp"):
        configured = DEFAULT_RTSP_PRESET
    return expand_args(configured)


def ingest_args(
    global_args: ConfigArgs, inputs: list[str], source: str, width: int, height: int, fps: int
) -> list[str]:
    """Frigate's detect pipeline: decode `source` (with `inputs` from `input_args`), rate-limit
    to `fps` and scale to `width` x `height` raw yuv420p on stdout."""
    given = [a for a in expand_args(global_args) if a != "-hide_banner"]
    if "-loglevel" not in given:
        given = ["-loglevel", "warning", *given]
    return [
        *given,
        *inputs,
        "-i",
        source,
        "-an",
        "-r",
        str(fps),
        "-s",
        f"{width}x{height}",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        "pipe:",
    ]
