"""Frigate's `preset-...` names and the ffmpeg flags they stand for, and how config strings split.

Two input tables, as before this module gathered them: the detect ingest expands preset tokens
anywhere in its input args with Frigate's own flags per preset; the recorder takes a preset only
as the whole value and maps every RTSP preset to the generic RTSP flags.
"""

from __future__ import annotations

import shlex

ConfigArgs = str | list[str] | None  # how Frigate's config writes arguments

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

# The detect ingest's input presets; unknown ones are dropped (with a warning).
DETECT_INPUT_PRESETS: dict[str, list[str]] = {
    "preset-rtsp-generic": RTSP_INPUT_ARGS,
    "preset-rtsp-restream": ["-rtsp_transport", "tcp", "-timeout", "5000000"],
    "preset-rtsp-restream-low-latency": [
        "-rtsp_transport", "tcp", "-timeout", "5000000", "-fflags", "nobuffer",
        "-flags", "low_delay",
    ],
    "preset-rtsp-udp": [
        "-avoid_negative_ts", "make_zero", "-fflags", "+genpts+discardcorrupt",
        "-rtsp_transport", "udp", "-timeout", "5000000", "-use_wallclock_as_timestamps", "1",
    ],
    "preset-http-mjpeg-generic": ["-use_wallclock_as_timestamps", "1"],
    "preset-http-reolink": [
        "-avoid_negative_ts", "make_zero", "-fflags", "+genpts+discardcorrupt",
        "-flags", "low_delay", "-strict", "experimental", "-analyzeduration", "1000M",
        "-probesize", "1000M", "-rw_timeout", "5000000",
    ],
}  # fmt: skip

# The recorder's input presets (a whole `input_args` value, never a token); unknown ones are a
# config error.
RECORD_INPUT_PRESETS: dict[str, list[str]] = {
    "preset-rtsp-generic": RTSP_INPUT_ARGS,
    "preset-rtsp-restream": RTSP_INPUT_ARGS,
    "preset-rtsp-restream-low-latency": RTSP_INPUT_ARGS,
    "preset-rtsp-udp": [a if a != "tcp" else "udp" for a in RTSP_INPUT_ARGS],
}

# Frigate's default record output (preset-record-generic-audio-aac): copy video; audio, when the
# input has it, becomes AAC because MP4 cannot hold the G.711 most cameras send.
DEFAULT_CODEC_ARGS = ["-c:v", "copy", "-c:a", "aac"]
RECORD_PRESETS: dict[str, list[str]] = {
    "preset-record-generic": ["-c", "copy", "-an"],
    "preset-record-generic-audio-aac": DEFAULT_CODEC_ARGS,
    "preset-record-generic-audio-copy": ["-c", "copy"],
}


class UnknownPreset(ValueError):
    """A `preset-...` name the command being built does not know."""

    def __init__(self, preset: str) -> None:
        super().__init__(f"unknown {preset}")
        self.preset = preset


def split_args(value: ConfigArgs) -> list[str]:
    """Config args are a shell-like string or a list, as in Frigate."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(part) for part in value]
    return shlex.split(value)
