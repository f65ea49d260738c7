"""Frigate's on-disk layout under the media and cache directories, and our scratch, from the config.

Every directory we write into is named here, once: Frigate's (written only standalone) and each
cache of ours under `scratch`. A cache gets its directory from these properties and nowhere
else, so bounding one (bytes, age) has one place to look.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from frigate_media.config import FrigateConfig
from frigate_media.errors import ConfigError


@dataclass(frozen=True)
class MediaPaths:
    """Where each kind of media lives; every path is absolute."""

    media: Path
    cache: Path
    scratch: Path

    @classmethod
    def from_config(cls, config: FrigateConfig) -> MediaPaths:
        media, cache = Path(config.paths.media), Path(config.paths.cache)
        scratch = Path(config.scratch_dir())
        return cls(media=media.resolve(), cache=cache.resolve(), scratch=scratch.resolve())

    # ---- Frigate's layout (read beside Frigate, written standalone) ----------------------

    @property
    def clips(self) -> Path:
        return self.media / "clips"

    @property
    def thumbs(self) -> Path:
        return self.clips / "thumbs"

    @property
    def previews(self) -> Path:
        return self.clips / "previews"

    @property
    def recordings(self) -> Path:
        return self.media / "recordings"

    @property
    def exports(self) -> Path:
        return self.media / "exports"

    @property
    def preview_frames(self) -> Path:
        return self.cache / "preview_frames"

    # ---- our scratch: every file we write beside Frigate -----------------------------------

    @property
    def hls_cache(self) -> Path:
        """Remuxed HLS init and media segments (hls/cache.SegmentCache)."""
        return self.scratch / "hls"

    @property
    def clip_cache(self) -> Path:
        """Faststart clips built for Range requests (services/recordings/clips.ClipCache)."""
        return self.scratch / "clips"

    @property
    def preview_mp4s(self) -> Path:
        """Preview MP4 encodes and their partial files (services/previews/encodes)."""
        return self.scratch / "previews"

    @property
    def sample_index(self) -> Path:
        """The sample-table index of recording segments (mp4/index.SampleIndex)."""
        return self.scratch / "sample-index"

    @property
    def clean_snapshots(self) -> Path:
        """Clean snapshots converted from Frigate's legacy PNGs (services/events/snapshots)."""
        return self.scratch / "clean-snapshots"

    @property
    def auth_state(self) -> Path:
        """Logged-out tokens (auth/revocation)."""
        return self.scratch / "auth"

    @property
    def recorder_staging(self) -> Path:
        """The standalone recorder's segments before they are filed under `recordings`.

        Never a bare *.mp4 in the cache root: Frigate's recorder would take it for its own."""
        return self.scratch / "record"

    # ---- checks and creation -------------------------------------------------------------

    def ensure_scratch(self) -> None:
        """Create our scratch directory (every mode)."""
        try:
            self.scratch.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(f"paths.scratch {self.scratch}: {error.strerror}") from None

    def ensure_frigate_dirs(self) -> None:
        """Create the directories of Frigate's layout we write to (standalone only)."""
        for directory in (self.clips, self.thumbs, self.recordings, self.preview_frames):
            directory.mkdir(parents=True, exist_ok=True)

    def refuse_scratch_in_frigate_dirs(self) -> None:
        """ConfigError when scratch and Frigate's media or cache directory overlap (beside
        Frigate a cache sweep of ours must never reach one of Frigate's files)."""
        for key, frigate_dir in (("paths.media", self.media), ("paths.cache", self.cache)):
            if _overlap(self.scratch, frigate_dir):
                raise ConfigError(
                    f"paths.scratch {self.scratch} overlaps {key} {frigate_dir}: beside Frigate "
                    "our scratch must be outside Frigate's media and cache directories"
                )

    def is_inside(self, candidate: Path, root: Path) -> bool:
        """True when `candidate`, with symlinks resolved, stays inside `root`."""
        try:
            candidate.resolve().relative_to(root.resolve())
        except (ValueError, OSError):
            return False
        return True


def _overlap(first: Path, second: Path) -> bool:
    return first == second or first.is_relative_to(second) or second.is_relative_to(first)
