"""Concat-demuxer scripts fed to ffmpeg on stdin: one way to name files, one way to read them.

The script is read from `pipe:0`, never `/dev/stdin`: under uvloop (what `serve` runs on) a
child's stdin is a socket, and opening a socket through /dev/stdin fails with ENXIO. Entries
carry the `file:` protocol so they are not resolved against the `pipe:` URL of the script.
"""

from __future__ import annotations

from pathlib import Path

from frigate_media.errors import UpstreamFailed

STDIN = "pipe:0"


def input_args() -> list[str]:
    """ffmpeg input options that read a concat script from stdin."""
    return ["-f", "concat", "-safe", "0", "-protocol_whitelist", "pipe,file", "-i", STDIN]


def file_entry(path: Path | str) -> str:
    """A `file` line for `path`: single-quoted, quotes escaped, always a local file URL."""
    text = str(path)
    if any(ord(char) < 32 for char in text):
        raise UpstreamFailed("A media path holds a control character")
    return "file 'file:" + text.replace("'", "'\\''") + "'"
