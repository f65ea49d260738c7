"""Recording clips: the concat script on stdin, stream-copied into one MP4."""

from __future__ import annotations

from frigate_media.ffmpeg import concat

# Fragmented output can be streamed while ffmpeg writes it; faststart needs a seekable file.
FRAGMENTED_FLAGS = "frag_keyframe+empty_moov+default_base_moof"
FASTSTART_FLAGS = "+faststart"


def concat_args(output: str, *, fragmented: bool) -> list[str]:
    """Concat (stdin) → stream copy → MP4 at `output` (a path, or `pipe:1` when fragmented)."""
    return [
        "-loglevel",
        "warning",
        *concat.input_args(),
        "-c",
        "copy",
        "-movflags",
        FRAGMENTED_FLAGS if fragmented else FASTSTART_FLAGS,
        "-f",
        "mp4",
        output,
    ]
