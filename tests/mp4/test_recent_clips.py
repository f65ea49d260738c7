"""Virtual MP4s kept by ETag: the next request for the same plan and files skips the assembly;
a rewritten segment, another start or the memory bound make it assemble again."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from frigate_media.file_identity import FileIdentity
from frigate_media.mp4.assemble import FileTables
from frigate_media.mp4.reader import MediaFile
from frigate_media.mp4.virtual import RecentClips
from frigate_media.services.recordings.clips import assemble_plan
from tests.mp4.conftest import plan_over


class CountingTables(FileTables):
    """The files' own tables, counting how often they are asked for."""

    def __init__(self) -> None:
        self.loads = 0

    def load(self, identities: Sequence[FileIdentity]) -> list[MediaFile]:
        self.loads += 1
        return super().load(identities)


def copies(segments: Callable[..., list[Path]], tmp_path: Path) -> list[Path]:
    files = []
    for index, source in enumerate(segments(audio=True)):
        files.append(tmp_path / f"{index:02d}.mp4")
        shutil.copyfile(source, files[-1])
    return files


def test_the_same_plan_over_the_same_files_is_assembled_once(
    segments: Callable[..., list[Path]], tmp_path: Path
) -> None:
    files = copies(segments, tmp_path)
    tables, recent = CountingTables(), RecentClips(8 * 1024 * 1024)
    first = assemble_plan(tables, recent, plan_over(files, 5.5, 23.0))
    again = assemble_plan(tables, recent, plan_over(files, 5.5, 23.0))
    assert again is first and tables.loads == 1
    moved = assemble_plan(tables, recent, plan_over(files, 5.6, 23.0))
    assert moved.etag != first.etag and tables.loads == 2
    stat = files[1].stat()
    os.utime(files[1], ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    rewritten = assemble_plan(tables, recent, plan_over(files, 5.5, 23.0))
    assert rewritten.etag != first.etag and tables.loads == 3


def test_the_least_recently_used_go_past_the_bound_and_big_clips_are_not_kept(
    segments: Callable[..., list[Path]], tmp_path: Path
) -> None:
    files = copies(segments, tmp_path)
    tables = CountingTables()
    one = assemble_plan(tables, RecentClips(1 << 30), plan_over(files, 5.5, 23.0))
    recent = RecentClips(4 * RecentClips.weight(one) + 10)  # one clip is a quarter of it
    plans = [plan_over(files, 5.5 + k / 10, 23.0) for k in range(6)]
    for plan in plans:
        assemble_plan(tables, recent, plan)
    assert tables.loads == 7
    assemble_plan(tables, recent, plans[-1])  # kept
    assemble_plan(tables, recent, plans[0])  # dropped long ago
    assert tables.loads == 8
    small = RecentClips(4 * RecentClips.weight(one) - 10)  # a quarter is less than one clip
    assemble_plan(tables, small, plans[0])
    assemble_plan(tables, small, plans[0])
    assert tables.loads == 10
