"""Frigate's on-disk layout under the media and cache directories, resolved from the config."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from frigate_media.config import FrigateConfig


@dataclass(frozen=True)
class MediaPaths:
    """Where each kind of media lives; every path is absolute."""

    media: Path
    cache: Path

    @classmethod
    def from_config(cls, config: FrigateConfig) -> MediaPaths:
        media, cache = Path(config.paths.media), Path(config.paths.cache)
        return cls(media=media.resolve(), cache=cache.resolve())

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

    @property
    def work(self) -> Path:
        """Our own scratch space inside the cache (never a bare *.mp4 in the cache root:
        Frigate's recorder would take it for a camera segment)."""
        return self.cache / "frigate-media"

    def ensure(self) -> None:
        """Create the directories we write to."""
        for directory in (self.clips, self.thumbs, self.recordings, self.preview_frames, self.work):
            directory.mkdir(parents=True, exist_ok=True)

    def is_inside(self, candidate: Path, root: Path) -> bool:
        """True when `candidate`, with symlinks resolved, stays inside `root`."""
        try:
            candidate.resolve().relative_to(root.resolve())
        except (ValueError, OSError):
            return False
        return True
