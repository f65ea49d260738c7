"""The recordings queries (bounded, index-driven) and the VOD plan built on them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from frigate_media.errors import BadRequest, NotFound
from frigate_media.services import timeranges
from frigate_media.services.recordings import query
from frigate_media.services.recordings.vod import INDEXING_GRACE_SECONDS, build_plan
from frigate_media.storage.db import open_database
from tests.support.db import add_recording, create_frigate_db

T0 = 1_719_000_000.0  # a segment boundary


@pytest.fixture
def recorded(tmp_path: Path, clip_factory: Callable[..., Path]) -> Path:
    """Six contiguous 10-s segments (GOP 2 s) of camera `front`, starting at T0."""
    db_path = create_frigate_db(tmp_path / "frigate.db")
    clip = clip_factory(seconds=10, gop_seconds=2)
    for index in range(6):
        add_recording(db_path, tmp_path / "recordings", "front", T0 + 10 * index, clip, 10.0)
    add_recording(db_path, tmp_path / "recordings", "back", T0, clip, 10.0)
    open_database(db_path)
    return db_path


def test_recording_at_finds_the_covering_segment(recorded: Path) -> None:
    found = query.recording_at("front", T0 + 25.5)
    assert found is not None
    assert found.start_time == T0 + 20
    assert query.recording_at("front", T0 + 100) is None
    assert query.recording_at("garage", T0 + 5) is None


def test_recording_at_retries_with_the_ceiling_like_frigate(recorded: Path) -> None:
    found = query.recording_at("front", T0 - 0.5)
    assert found is not None and found.start_time == T0


def test_overlapping_returns_segments_in_start_order(recorded: Path) -> None:
    found = query.overlapping("front", T0 + 15, T0 + 35)
    assert [r.start_time - T0 for r in found] == [10, 20, 30]
    assert query.overlapping("front", T0 + 200, T0 + 300) == []


def test_the_overlap_query_walks_the_camera_start_time_index(recorded: Path) -> None:
    select = query.overlapping_query("front", T0, T0 + 3600)
    sql, params = select.sql()  # type: ignore[attr-defined]
    db = open_database(recorded)
    plan = " ".join(str(row[-1]) for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert "USING INDEX" in plan
    assert "start_time>?" in plan.replace(" ", "") and "start_time<?" in plan.replace(" ", "")
    assert "SCAN" not in plan.split("USING")[0]


def test_a_plan_inside_one_segment_snaps_clip_from_back_to_the_keyframe(recorded: Path) -> None:
    plan = build_plan("front", T0 + 13.3, T0 + 17.0, now=T0 + 10_000)
    assert len(plan.clips) == 1
    clip = plan.clips[0]
    assert clip.clip_from_ms == 2000  # keyframes every 2 s: 3.3 s snaps back to 2.0 s
    assert clip.duration_ms == 5000  # 3.7 s asked + 1.3 s gained by the snap
    mapping = plan.mapping()
    assert list(mapping) == [
        "cache",
        "discontinuity",
        "consistentSequenceMediaInfo",
        "durations",
        "segment_duration",
        "sequences",
    ]
    assert mapping["sequences"][0]["clips"][0]["keyFrameDurations"] == [5000]
    assert mapping["cache"] is True


def test_a_plan_across_segments_trims_first_and_last(recorded: Path) -> None:
    plan = build_plan("front", T0 + 4.0, T0 + 36.5, now=T0 + 30, discontinuity=True)
    assert plan.durations_ms == [6000, 10000, 10000, 6500]
    clips = plan.mapping()["sequences"][0]["clips"]
    assert clips[0]["clipFrom"] == 4000
    assert all("clipFrom" not in clip for clip in clips[1:])
    assert all(Path(clip["path"]).exists() for clip in clips)
    assert plan.mapping()["discontinuity"] is True
    assert plan.mapping()["cache"] is False


def test_a_range_that_started_over_an_hour_ago_but_ends_later_is_not_cacheable(
    recorded: Path,
) -> None:
    # Frigate's rule (start over an hour ago) would let nginx-vod cache this list for minutes
    # while the camera keeps recording into the range.
    plan = build_plan("front", T0, T0 + 7200, now=T0 + 3700)
    assert len(plan.clips) == 6
    assert plan.mapping()["cache"] is False


def test_a_range_wholly_in_the_past_is_cacheable_once_its_last_segment_is_surely_filed(
    recorded: Path,
) -> None:
    end = T0 + 25
    settled = end + 10 + INDEXING_GRACE_SECONDS  # the newest segment is 10 s long
    assert build_plan("front", T0, end, now=settled + 1).mapping()["cache"] is True
    assert build_plan("front", T0, end, now=settled - 1).mapping()["cache"] is False
    assert build_plan("front", T0, end, now=end + 1).mapping()["cache"] is False


def test_an_empty_range_has_no_plan(recorded: Path) -> None:
    with pytest.raises(NotFound):
        build_plan("front", T0 + 500, T0 + 600, now=T0)


@pytest.mark.parametrize(
    ("start", "end"), [(float("nan"), 1.0), (5.0, float("inf")), (10.0, 5.0), (5.0, 5.0)]
)
def test_bad_ranges_are_rejected(start: float, end: float) -> None:
    with pytest.raises(BadRequest):
        timeranges.time_range(start, end)


def test_hour_ranges_use_the_offset_of_that_hour_across_dst() -> None:
    # 2024-03-10 is spring forward in New York: 01:00 is EST (-5), 03:00 is EDT (-4).
    start, end = timeranges.hour_range("2024-03", 10, 1, "America,New_York")
    assert start == 1_710_050_400.0  # 06:00 UTC
    assert end == pytest.approx(start + 3599.999)
    start, _ = timeranges.hour_range("2024-03", 10, 3, "America,New_York")
    assert start == 1_710_054_000.0  # 07:00 UTC
    with pytest.raises(NotFound):
        timeranges.hour_range("2024-03", 10, 2, "America,New_York")
    # 2024-11-03 falls back: 01:00 happens twice; the first (EDT) is meant.
    start, _ = timeranges.hour_range("2024-11", 3, 1, "America,New_York")
    assert start == 1_730_610_000.0  # 05:00 UTC
    start, _ = timeranges.hour_range("2024-11", 3, 2, "America,New_York")
    assert start == 1_730_617_200.0  # 07:00 UTC
    assert timeranges.hour_range("2024-06", 1, 0, "UTC")[0] == 1_717_200_000.0


@pytest.mark.parametrize(
    ("ym", "day", "hour", "tz"),
    [
        ("2024-13", 1, 0, "utc"),
        ("24-01", 1, 0, "utc"),
        ("2024-02", 30, 0, "utc"),
        ("2024-02", 1, 24, "utc"),
        ("2024-02", 1, 0, "Mars,Olympus"),
        ("2024-02", 1, 0, "..,..,etc,passwd"),
    ],
)
def test_malformed_hours_are_bad_requests(ym: str, day: int, hour: int, tz: str) -> None:
    with pytest.raises(BadRequest):
        timeranges.hour_range(ym, day, hour, tz)


def test_a_recording_that_only_touches_the_range_start_is_not_played(recorded: Path) -> None:
    plan = build_plan("front", T0 + 10.0, T0 + 20.0, now=T0 + 10_000)
    assert [clip.recording_start - T0 for clip in plan.clips] == [10]
    assert plan.clips[0].clip_from_ms is None
    assert plan.durations_ms == [10000]
