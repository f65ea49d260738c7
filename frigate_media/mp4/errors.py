"""The one refusal of the assembler: `CannotAssemble`, naming why, so the caller uses ffmpeg."""

from __future__ import annotations

from enum import StrEnum

from frigate_media.errors import MediaError


class Reason(StrEnum):
    """Why a range cannot be assembled from its sample tables."""

    UNREADABLE = "unreadable"  # the file is gone or cannot be read
    TRUNCATED = "truncated"  # no moov, a box past the end, samples outside the file
    FRAGMENTED = "fragmented"  # moof/mvex: the sample tables are not in the moov
    LAYOUT = "layout"  # a box layout we do not know to be harmless
    CODEC = "codec"  # a codec we do not copy
    CODEC_CHANGE = "codec change"  # sample descriptions or tracks differ between segments
    TIMESCALE = "timescale"  # timescales differ and the durations do not rescale exactly
    CUT = "cut"  # a cut point the tables cannot honour (no keyframe, split B-frame group)
    AUDIO_SYNC = "audio sync"  # the audio of a segment does not line up with its video
    TOO_LARGE = "too large"  # the moov would exceed its memory bound
    EMPTY = "empty"  # nothing to play


class CannotAssemble(MediaError):
    """The assembler cannot prove it handles this input; serve the range with ffmpeg instead."""

    status_code = 500

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(f"cannot assemble the clip ({reason}): {detail}")
        self.reason = reason
        self.detail = detail
