"""The bounded directory: room reserved before each write, LRU eviction, pinned files kept, totals."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from frigate_media.bounded import BoundedDirectory, ScratchBudget
from frigate_media.errors import Busy


def on_disk(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.iterdir() if p.is_file())


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def store(files: BoundedDirectory, name: str, size: int) -> None:
    with files.reserve(size) as reservation:
        reservation.write_bytes(name, b"x" * size)


def test_writes_beyond_the_cap_evict_the_oldest_and_the_directory_stays_under_it(
    tmp_path: Path,
) -> None:
    files = BoundedDirectory(tmp_path, max_bytes=2500, name="test")
    for index in range(10):
        store(files, f"f{index}", 1000)
        assert on_disk(tmp_path) <= 2500
    assert names(tmp_path) == ["f8", "f9"]
    assert files.stats().bytes == 2000 and files.stats().reserved == 0


def test_a_file_used_recently_outlives_an_older_unused_one(tmp_path: Path) -> None:
    files = BoundedDirectory(tmp_path, max_bytes=2000, name="test")
    store(files, "a", 1000)
    store(files, "b", 1000)
    lease = files.pin("a")  # served again: now the most recently used
    assert lease is not None
    lease.release()
    store(files, "c", 1000)
    assert names(tmp_path) == ["a", "c"]


def test_pinned_files_are_never_evicted_and_a_cap_full_of_them_is_busy(tmp_path: Path) -> None:
    files = BoundedDirectory(tmp_path, max_bytes=2000, name="test")
    store(files, "a", 1000)
    store(files, "b", 1000)
    leases = [files.pin("a"), files.pin("b")]
    with pytest.raises(Busy) as refused:
        files.reserve(1000)
    assert int(refused.value.headers["Retry-After"]) > 0
    assert names(tmp_path) == ["a", "b"]
    for lease in leases:
        assert lease is not None
        lease.release()
    store(files, "c", 1000)
    assert names(tmp_path) == ["b", "c"]


def test_a_request_alone_larger_than_the_cap_is_busy_and_evicts_nothing(tmp_path: Path) -> None:
    files = BoundedDirectory(tmp_path, max_bytes=2000, name="test")
    store(files, "a", 1000)
    with pytest.raises(Busy) as refused:
        files.reserve(2001)
    assert "Retry-After" in refused.value.headers
    assert names(tmp_path) == ["a"]
    assert files.stats().reserved == 0


def test_a_file_larger_than_its_reservation_needs_room_for_the_rest_or_is_dropped(
    tmp_path: Path,
) -> None:
    files = BoundedDirectory(tmp_path, max_bytes=1000, name="test")
    store(files, "pinned", 600)
    lease = files.pin("pinned")
    with files.reserve(100) as reservation, pytest.raises(Busy):
        reservation.write_bytes("big", b"x" * 500)  # 600 + 500 > 1000, and "pinned" stays
    assert names(tmp_path) == ["pinned"]
    assert lease is not None
    lease.release()
    with files.reserve(100) as reservation:
        reservation.write_bytes("big", b"x" * 300)  # 200 more than reserved: there is room
    assert names(tmp_path) == ["big", "pinned"]
    assert on_disk(tmp_path) == files.stats().bytes == 900
    assert files.stats().reserved == 0


def test_unused_reserved_bytes_come_back_and_temp_files_are_removed(tmp_path: Path) -> None:
    files = BoundedDirectory(tmp_path, max_bytes=5000, name="test")
    with files.reserve(4000) as reservation:
        assert files.stats().reserved == 4000
        temp = reservation.temp_path(".part")
        temp.write_bytes(b"x" * 10)  # a write that failed half-way
    assert files.stats().reserved == 0
    assert names(tmp_path) == []


def test_the_scratch_total_evicts_the_least_recently_used_file_of_any_directory(
    tmp_path: Path,
) -> None:
    budget = ScratchBudget(3000)
    first = BoundedDirectory(tmp_path / "one", max_bytes=3000, name="one", budget=budget)
    second = BoundedDirectory(tmp_path / "two", max_bytes=3000, name="two", budget=budget)
    store(first, "a1", 1000)
    store(second, "b1", 1000)
    store(first, "a2", 1000)
    store(second, "b2", 1000)  # over the total: a1 is the oldest anywhere
    assert names(tmp_path / "one") == ["a2"]
    assert names(tmp_path / "two") == ["b1", "b2"]
    assert budget.used() == 3000
    with pytest.raises(Busy):
        first.reserve(3001)  # alone over the total


def test_loading_indexes_the_files_there_drops_temp_leftovers_and_evicts_to_the_cap(
    tmp_path: Path,
) -> None:
    now = time.time()
    for age, name in ((300, "old.m4s"), (200, "mid.m4s"), (100, "new.m4s")):
        path = tmp_path / name
        path.write_bytes(b"x" * 1000)
        os.utime(path, (now - age, now - age))
    (tmp_path / ".tmp-0123.part").write_bytes(b"half")  # a crash mid-write
    (tmp_path / "not-ours.db").write_bytes(b"y" * 5000)  # another owner's file
    files = BoundedDirectory(
        tmp_path, max_bytes=2000, name="test", accepts=lambda name: name.endswith(".m4s")
    )
    files.load()
    assert names(tmp_path) == ["mid.m4s", "new.m4s", "not-ours.db"]
    assert files.stats().files == 2 and files.stats().bytes == 2000


def test_writers_on_many_threads_never_take_the_directory_over_its_cap(tmp_path: Path) -> None:
    # Room for the eight writes in flight at once (reservations are never evicted), not for
    # the 200 files written.
    files = BoundedDirectory(tmp_path, max_bytes=20_000, name="test")
    peaks: list[int] = []
    failures: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            for index in range(25):
                store(files, f"w{worker}-{index}", 700 + 37 * index)
                held = files.stats()  # one consistent reading
                peaks.append(held.bytes + held.reserved)
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert max(peaks) <= 20_000
    assert on_disk(tmp_path) == files.stats().bytes <= 20_000
