"""Find ffmpeg: a configured path, else ffmpeg on PATH, else the binary in imageio-ffmpeg."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from frigate_media.errors import ConfigError


def resolve_ffmpeg(configured: str = "default") -> str:
    """The absolute path of the ffmpeg to run.

    `default` prefers the system ffmpeg and falls back to the binary shipped in the
    imageio-ffmpeg wheel, so a bare machine still has one after `make install`. A directory
    holding `bin/ffmpeg` (Frigate's form) or a path to the binary itself is used as given.
    """
    if configured in ("", "default"):
        system = shutil.which("ffmpeg")
        if system:
            return system
        try:
            import imageio_ffmpeg

            return str(imageio_ffmpeg.get_ffmpeg_exe())
        except (ImportError, RuntimeError) as error:
            raise ConfigError(f"ffmpeg.path: no ffmpeg found ({error})") from None
    candidate = Path(configured)
    for path in (candidate / "bin" / "ffmpeg", candidate):
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    found = shutil.which(configured)
    if found:
        return found
    raise ConfigError(f"ffmpeg.path: {configured} is not an ffmpeg binary")
