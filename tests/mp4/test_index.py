"""The sample-table index: same tables as the files, persisted, bounded, shared by threads."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from frigate_media.file_identity import FileIdentity
from frigate_media.mp4 import reader
from frigate_media.mp4.assemble import FileTables, assemble
from frigate_media.mp4.errors import CannotAssemble, Reason
from frigate_media.mp4.index import SampleIndex
from frigate_media.mp4.reader import MediaFile, read_media
from tests.mp4.conftest import plan_over

Segments = Callable[..., list[Path]]


def same_tables(one: MediaFile, other: MediaFile) -> bool:
    pairs = list(zip(one.tracks, other.tracks, strict=True))
    return one.start == other.start and all(
        a.stsd == b.stsd
        and np.array_equal(a.sizes, b.sizes)
        and np.array_equal(a.offsets, b.offsets)
        and np.array_equal(a.dts, b.dts)
        and np.array_equal(a.composition, b.composition)
        and np.array_equal(a.sync, b.sync)
        for a, b in pairs
    )


@pytest.fixture
def copies(segments: Segments, tmp_path: Path) -> list[Path]:
    """The B-frame set with audio, copied so a test may rewrite or remove its files."""
    files = []
    for source in segments(audio=True, bframes=True, faststart=False):
        copy = tmp_path / "media" / source.name
        copy.parent.mkdir(exist_ok=True)
        shutil.copyfile(source, copy)
        files.append(copy)
    return files


def test_the_index_serves_the_tables_read_from_the_file(copies: list[Path], tmp_path: Path) -> None:
    index = SampleIndex(tmp_path / "index")
    try:
        for path in copies:
            assert same_tables(index.get(str(path)), read_media(str(path)))
    finally:
        index.close()


def test_a_new_index_on_the_same_directory_answers_without_reading_the_files(
    copies: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading a file is made to fail (a spy, not a fake) to show the answer comes from disk."""
    first = SampleIndex(tmp_path / "index")
    assert first.index(str(p) for p in copies).indexed == 3
    first.close()

    def no_reads(path: str) -> None:
        raise AssertionError(f"read {path}")

    monkeypatch.setattr("frigate_media.mp4.index.read_digest", no_reads)
    second = SampleIndex(tmp_path / "index")
    try:
        loaded = second.load([FileIdentity.of(str(p)) for p in copies])
        assert all(same_tables(a, read_media(str(p))) for a, p in zip(loaded, copies, strict=True))
        plan = plan_over(copies, 5.5, 25.0)
        assert assemble(plan, second).read(0, 4096) == assemble(plan, FileTables()).read(0, 4096)
    finally:
        second.close()


def test_a_rewritten_file_is_read_again(copies: list[Path], tmp_path: Path) -> None:
    index = SampleIndex(tmp_path / "index")
    try:
        before = index.get(str(copies[0]))
        shutil.copyfile(copies[1], copies[0])
        after = index.get(str(copies[0]))
        assert before.identity != after.identity
        assert same_tables(after, read_media(str(copies[1])))
        assert index.stats().entries == 1
    finally:
        index.close()


def test_a_refused_file_stays_refused_for_its_identity(copies: list[Path], tmp_path: Path) -> None:
    data = copies[0].read_bytes()
    copies[0].write_bytes(data[: len(data) // 2])
    index = SampleIndex(tmp_path / "index")
    try:
        for _ in range(2):
            with pytest.raises(CannotAssemble) as caught:
                index.get(str(copies[0]))
            assert caught.value.reason == Reason.TRUNCATED
        assert index.index([str(copies[0])]).already == 1
    finally:
        index.close()


def test_entries_are_compact(segments: Segments, tmp_path: Path) -> None:
    index = SampleIndex(tmp_path / "index")
    try:
        report = index.index(str(p) for p in segments(audio=True))
        stats = index.stats()
    finally:
        index.close()
    assert report.indexed == stats.entries == 3
    assert stats.bytes / stats.entries < 3000  # 10 s of 5 fps video and AAC audio


def test_the_index_stays_within_its_bound_dropping_the_least_recently_used(
    segments: Segments, tmp_path: Path
) -> None:
    files = [str(p) for spec in ({}, {"audio": True}, {"bframes": True}) for p in segments(**spec)]
    clock = iter(range(1, 1000))
    index = SampleIndex(tmp_path / "index", max_bytes=8000, clock=lambda: float(next(clock)))
    try:
        for path in files[:3]:
            index.index([path])  # used at times 1, 2, 3
        index.get(files[0])  # used again: now the most recent of the three
        index.flush()
        index.index(files[3:])
        stats = index.stats()
        assert 0 < stats.bytes <= 8000
        kept = {row[0] for row in index._reader().execute("SELECT path FROM tables")}
        assert files[1] not in kept  # the least recently used goes first
        assert files[0] in kept or files[2] not in kept  # ... and the one used again last
        assert files[-1] in kept
    finally:
        index.close()


def test_readers_and_the_background_writer_share_the_index(
    segments: Segments, tmp_path: Path
) -> None:
    files = [str(p) for spec in ({}, {"audio": True}, {"bframes": True}) for p in segments(**spec)]
    expected = {path: read_media(path) for path in files}
    index = SampleIndex(tmp_path / "index", memory_bytes=0)  # every read goes to SQLite
    errors: list[BaseException] = []

    def read_all() -> None:
        try:
            for _ in range(20):
                for path in files:
                    assert same_tables(index.get(path), expected[path])
        except BaseException as error:  # collected for the main thread
            errors.append(error)

    try:
        job = index.index_in_background(files)
        readers = [threading.Thread(target=read_all) for _ in range(4)]
        for thread in readers:
            thread.start()
        for thread in readers:
            thread.join()
        report = job.result(timeout=60)
        assert not errors
        assert report.indexed + report.already == len(files)
        assert index.stats().entries == len(files)
    finally:
        index.close()


def test_reading_a_segment_parses_only_its_moov(copies: list[Path]) -> None:
    identity, digest = reader.read_digest(str(copies[0]))
    assert identity == FileIdentity.of(str(copies[0]))
    assert len(digest) < copies[0].stat().st_size / 20
