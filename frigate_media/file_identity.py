"""A file's identity (path, size, mtime) and a bounded cache of what was read from it.

Media and images we read (recordings, previews, snapshots) are written once and then left
alone, so what we learn from a file (its probe, frame times, stream facts, decoded pixels) stays
true while its size and mtime_ns stay the same. Every lookup stats the file first: a rewritten
file is read again, a removed one raises the caller's error.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar, cast

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class FileIdentity:
    """What tells one version of a file from another."""

    path: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: str | Path) -> FileIdentity:
        """The identity of `path` now; OSError when it cannot be stat'ed. Blocking."""
        stat = os.stat(path)
        return cls(str(path), stat.st_size, stat.st_mtime_ns)


def cached_by_identity(
    maxsize: int, missing: Callable[[str], Exception]
) -> Callable[[Callable[Concatenate[FileIdentity, P], T]], Callable[Concatenate[str, P], T]]:
    """Turn `read(identity, ...)` into `read(path, ...)`, cached by (identity, ...) in an LRU of
    `maxsize` entries; `missing(path)` is raised when the file cannot be stat'ed.

    Exceptions from `read` are not cached. Blocking (stat, and `read` on a miss).
    """

    def decorate(
        read: Callable[Concatenate[FileIdentity, P], T],
    ) -> Callable[Concatenate[str, P], T]:
        # Arguments are part of the key, so they must be hashable (lru_cache checks at call).
        cached = cast(Callable[Concatenate[FileIdentity, P], T], functools.lru_cache(maxsize)(read))

        def lookup(path: str, /, *args: P.args, **kwargs: P.kwargs) -> T:
            try:
                identity = FileIdentity.of(path)
            except OSError:
                raise missing(path) from None
            return cached(identity, *args, **kwargs)

        lookup.__doc__ = read.__doc__
        return lookup

    return decorate
