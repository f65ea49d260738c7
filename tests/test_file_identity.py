"""The file-identity cache: read once per version of a file, read again when it changes."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from frigate_media.errors import NotFound
from frigate_media.file_identity import FileIdentity, cached_by_identity


class Gone(Exception):
    """The caller's own error for a missing file."""


def counting_reader() -> tuple[list[FileIdentity], Callable[..., str]]:
    reads: list[FileIdentity] = []

    @cached_by_identity(maxsize=8, missing=lambda path: Gone(path))
    def read(file: FileIdentity, suffix: str = "") -> str:
        reads.append(file)
        return Path(file.path).read_text() + suffix

    return reads, read


def test_the_identity_is_the_path_size_and_nanosecond_mtime(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("12345")
    os.utime(path, ns=(1_700_000_000_123_456_789, 1_700_000_000_123_456_789))
    assert FileIdentity.of(path) == FileIdentity(str(path), 5, 1_700_000_000_123_456_789)


def test_an_unchanged_file_is_read_once(tmp_path: Path) -> None:
    reads, read = counting_reader()
    path = tmp_path / "a.txt"
    path.write_text("first")
    assert [read(str(path)), read(str(path))] == ["first", "first"]
    assert len(reads) == 1


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    reads, read = counting_reader()
    path = tmp_path / "a.txt"
    path.write_text("first")
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    assert read(str(path)) == "first"
    path.write_text("second, longer")
    assert read(str(path)) == "second, longer"
    # Same size, new mtime: still a new version.
    path.write_text("third, longer!")
    os.utime(path, ns=(2_000_000_000, 2_000_000_000))
    assert read(str(path)) == "third, longer!"
    assert len(reads) == 3


def test_other_arguments_are_part_of_the_key(tmp_path: Path) -> None:
    reads, read = counting_reader()
    path = tmp_path / "a.txt"
    path.write_text("x")
    assert read(str(path), "!") == "x!"
    assert read(str(path), "?") == "x?"
    assert read(str(path), "!") == "x!"
    assert len(reads) == 2


def test_a_missing_file_raises_the_callers_error(tmp_path: Path) -> None:
    _, read = counting_reader()
    with pytest.raises(Gone):
        read(str(tmp_path / "nowhere.txt"))


def test_a_failed_read_is_not_cached(tmp_path: Path) -> None:
    attempts = 0

    @cached_by_identity(maxsize=8, missing=lambda path: NotFound(path))
    def read(file: FileIdentity) -> int:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise ValueError("transient")
        return attempts

    path = tmp_path / "a.txt"
    path.write_text("x")
    with pytest.raises(ValueError):
        read(str(path))
    assert read(str(path)) == 2


def test_the_cache_is_bounded_to_its_size(tmp_path: Path) -> None:
    reads, read = counting_reader()
    paths = [tmp_path / f"{n}.txt" for n in range(9)]
    for path in paths:
        path.write_text(path.name)
        read(str(path))
    read(str(paths[0]))  # the least recent of 9 fell out of 8
    read(str(paths[8]))  # still cached
    assert len(reads) == 10
