"""The previews service: source selection, GIF and MP4 encodes, shared encodes, limits."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from frigate_media.app import build_context, build_runner
from frigate_media.clock import FixedClock
from frigate_media.config import FrigateConfig
from frigate_media.context import AppContext
from frigate_media.errors import BadRequest, Busy, NotFound
from frigate_media.services.previews import encodes
from frigate_media.services.previews.frames import list_frames
from tests.support.ffmpeg import CountingFfmpeg
from tests.support.previews import T0, add_preview, gif_info, mp4_info, write_frames

T = TypeVar("T")
PAST = T0 + 3 * 3600  # "now" for tests about hours that are over


@pytest.fixture
def preview_clip(clip_factory: Callable[..., Path]) -> Path:
    """A 60-s, 2-fps, 320x180 clip standing in for an hourly preview MP4."""
    return clip_factory(seconds=60, fps=2, width=320, height=180, gop_seconds=20)


@pytest.fixture
def make_context(
    config_factory: Callable[..., FrigateConfig], frigate_db: Path
) -> Callable[..., AppContext]:
    def factory(now: float = PAST, **override: Any) -> AppContext:
        return build_context(config_factory(override), clock=FixedClock(now))

    return factory


def run(context: AppContext, work: Callable[[AppContext], Awaitable[T]]) -> T:
    async def main() -> T:
        try:
            return await work(context)
        finally:
            await context.stop()

    return asyncio.run(main())


def counted_context(config: FrigateConfig, now: float = PAST) -> tuple[AppContext, CountingFfmpeg]:
    """A context whose ffmpeg is the real runner, counting the jobs it runs."""
    ffmpeg = CountingFfmpeg(build_runner(config))
    return build_context(config, clock=FixedClock(now), ffmpeg=ffmpeg), ffmpeg


# ------------------------------------------------------------------ selection


def test_cover_orders_overlapping_previews_and_continues_where_the_first_ends() -> None:
    rows = [("b.mp4", T0 + 30, T0 + 90), ("a.mp4", T0, T0 + 60)]
    segments = encodes.cover(rows, T0 + 20.25, T0 + 80)
    assert [(s.path, s.start - T0, s.end - T0) for s in segments] == [
        ("a.mp4", 20.25, 60.0),
        ("b.mp4", 60.0, 80.0),
    ]
    assert segments[0].offset == pytest.approx(20.25)
    assert segments[1].offset == pytest.approx(30.0)


def test_cover_starts_at_the_preview_when_the_range_starts_before_it() -> None:
    segments = encodes.cover([("a.mp4", T0 + 10, T0 + 70)], T0, T0 + 30)
    assert len(segments) == 1
    assert segments[0].offset == 0.0
    assert segments[0].duration == pytest.approx(20.0)


def test_cover_skips_a_preview_contained_in_an_earlier_one() -> None:
    rows = [("whole.mp4", T0, T0 + 3600), ("part.mp4", T0 + 100, T0 + 200)]
    segments = encodes.cover(rows, T0 + 50, T0 + 300)
    assert [s.path for s in segments] == ["whole.mp4"]


def test_frame_listing_keeps_only_this_cameras_frames_in_time_order(tmp_path: Path) -> None:
    write_frames(tmp_path, "front", [T0 + 10, T0 + 9.5, T0 + 100])
    write_frames(tmp_path, "front-door", [T0 + 11])
    write_frames(tmp_path, "front_yard", [T0 + 12])
    frames = list_frames(tmp_path, "front", T0, T0 + 50)
    assert [f.time for f in frames] == [T0 + 9.5, T0 + 10]


def test_frame_listing_of_a_missing_directory_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        list_frames(tmp_path / "nope", "front")


# ------------------------------------------------------------------ GIF


def test_gif_from_an_hourly_preview_is_animated_and_loops(
    make_context: Callable[..., AppContext], frigate_db: Path, preview_clip: Path
) -> None:
    context = make_context()
    add_preview(frigate_db, context.paths.previews, "front", T0, T0 + 60, preview_clip)
    made = run(context, lambda c: encodes.gif(c, "front", T0 + 10, T0 + 30))
    frames, loop, size = gif_info(made.content)
    # 20 s sped up by 0.12 at 8 fps is about 19 frames.
    assert 10 <= frames <= 25
    assert loop == 0
    assert size == (320, 180)
    assert made.live is False


def test_gif_from_current_hour_frames_is_animated_and_marked_live(
    make_context: Callable[..., AppContext],
) -> None:
    context = make_context(now=T0 + 600)
    write_frames(context.paths.preview_frames, "front", [T0 + i for i in range(1, 21)])
    write_frames(context.paths.preview_frames, "back", [T0 + i for i in range(1, 21)])
    made = run(context, lambda c: encodes.gif(c, "front", T0, T0 + 30))
    frames, loop, _ = gif_info(made.content)
    assert frames > 1
    assert loop == 0
    assert made.live is True


def test_gif_without_previews_or_frames_is_not_found(
    make_context: Callable[..., AppContext],
) -> None:
    context = make_context()
    with pytest.raises(NotFound, match="Preview not found"):
        run(context, lambda c: encodes.gif(c, "front", T0, T0 + 20))


def test_gif_with_the_frames_directory_missing_is_not_found(
    make_context: Callable[..., AppContext],
) -> None:
    context = make_context(now=T0 + 60)
    context.paths.preview_frames.rmdir()
    with pytest.raises(NotFound):
        run(context, lambda c: encodes.gif(c, "front", T0, T0 + 20))


@pytest.mark.parametrize(
    ("start", "end"),
    [(T0 + 20, T0 + 20), (T0 + 30, T0 + 20), (math.nan, T0), (T0, math.inf), (T0, T0 + 3601)],
)
def test_gif_rejects_bad_ranges(
    make_context: Callable[..., AppContext], start: float, end: float
) -> None:
    context = make_context()
    with pytest.raises(BadRequest):
        run(context, lambda c: encodes.gif(c, "front", start, end))


def test_two_identical_concurrent_gifs_run_ffmpeg_once(
    config_factory: Callable[..., FrigateConfig], frigate_db: Path, preview_clip: Path
) -> None:
    context, ffmpeg = counted_context(config_factory())
    add_preview(frigate_db, context.paths.previews, "front", T0, T0 + 60, preview_clip)

    async def both(c: AppContext) -> list[encodes.GifPreview]:
        return list(
            await asyncio.gather(
                encodes.gif(c, "front", T0, T0 + 20), encodes.gif(c, "front", T0, T0 + 20)
            )
        )

    first, second = run(context, both)
    assert len(ffmpeg.runs) == 1
    assert first.content == second.content
    assert context.previews is not None and not context.previews.inflight


def test_a_full_job_limit_answers_busy(
    make_context: Callable[..., AppContext], frigate_db: Path, preview_clip: Path
) -> None:
    context = make_context(limits={"ffmpeg_jobs": 1, "ffmpeg_queue_wait": 0.1})
    add_preview(frigate_db, context.paths.previews, "front", T0, T0 + 60, preview_clip)

    async def while_full(c: AppContext) -> encodes.GifPreview:
        async with c.ffmpeg.slot():
            return await encodes.gif(c, "front", T0, T0 + 20)

    with pytest.raises(Busy) as caught:
        run(context, while_full)
    assert "Retry-After" in caught.value.headers


# ------------------------------------------------------------------ MP4


def test_mp4_from_an_hourly_preview_has_the_sped_up_duration(
    make_context: Callable[..., AppContext], frigate_db: Path, preview_clip: Path
) -> None:
    context = make_context()
    add_preview(frigate_db, context.paths.previews, "front", T0, T0 + 60, preview_clip)
    made = run(context, lambda c: encodes.mp4(c, "front", T0 + 5.5, T0 + 45.5))
    codec, duration, width, height = mp4_info(made.path)
    assert codec == "h264"
    assert duration == pytest.approx(40 * encodes.FRAME_SECONDS, abs=0.4)
    assert (width, height) == (320, 180)
    assert made.path.parent == context.paths.preview_mp4s
    assert made.file_name == f"preview_front_{T0 + 5.5}-{T0 + 45.5}.mp4"


def test_mp4_starting_before_the_preview_seeks_to_its_start(
    make_context: Callable[..., AppContext], frigate_db: Path, preview_clip: Path
) -> None:
    context = make_context()
    add_preview(frigate_db, context.paths.previews, "front", T0 + 10, T0 + 70, preview_clip)
    made = run(context, lambda c: encodes.mp4(c, "front", T0, T0 + 30))
    _, duration, _, _ = mp4_info(made.path)
    assert duration == pytest.approx(20 * encodes.FRAME_SECONDS, abs=0.4)


def test_mp4_over_two_overlapping_previews_uses_both_in_order(
    make_context: Callable[..., AppContext], frigate_db: Path, preview_clip: Path
) -> None:
    context = make_context()
    add_preview(frigate_db, context.paths.previews, "front", T0 + 30, T0 + 90, preview_clip)
    add_preview(frigate_db, context.paths.previews, "front", T0, T0 + 60, preview_clip)
    made = run(context, lambda c: encodes.mp4(c, "front", T0 + 20, T0 + 80))
    _, duration, _, _ = mp4_info(made.path)
    assert duration == pytest.approx(60 * encodes.FRAME_SECONDS, abs=0.5)


def test_mp4_from_current_hour_frames_of_a_range_that_is_over_is_cached_like_frigate(
    make_context: Callable[..., AppContext],
) -> None:
    context = make_context(now=T0 + 600)
    write_frames(context.paths.preview_frames, "front", [T0 + i for i in range(1, 21)])
    made = run(context, lambda c: encodes.mp4(c, "front", T0, T0 + 30))
    codec, duration, _, _ = mp4_info(made.path)
    assert codec == "h264"
    assert duration == pytest.approx(20 * encodes.FRAME_SECONDS, abs=0.4)
    # Written after the range was over, the bytes are final: not live, as on reuse.
    assert made.live is False


def test_mp4_of_a_range_still_being_recorded_is_short_lived_and_made_again(
    config_factory: Callable[..., FrigateConfig], frigate_db: Path
) -> None:
    now = time.time()
    context, ffmpeg = counted_context(config_factory(), now=now)
    write_frames(context.paths.preview_frames, "front", [now - 20 + i for i in range(20)])

    async def twice(c: AppContext) -> tuple[encodes.Mp4Preview, encodes.Mp4Preview]:
        return (
            await encodes.mp4(c, "front", now - 30, now + 30),
            await encodes.mp4(c, "front", now - 30, now + 30),
        )

    first, second = run(context, twice)
    assert first.live and second.live
    assert len(ffmpeg.runs) == 2  # its bytes may still change: never served from the cache


def test_a_finished_mp4_is_reused_then_swept_after_an_hour(
    config_factory: Callable[..., FrigateConfig], frigate_db: Path, preview_clip: Path
) -> None:
    context, ffmpeg = counted_context(config_factory())
    add_preview(frigate_db, context.paths.previews, "front", T0, T0 + 60, preview_clip)

    async def twice_then_sweep(c: AppContext) -> tuple[Path, bool, int]:
        first = await encodes.mp4(c, "front", T0, T0 + 20)
        written = first.path.stat()
        again = await encodes.mp4(c, "front", T0, T0 + 20)
        # Reuse leaves the file alone: same (size, mtime), so the same ETag, and the same age.
        reused = again.path.stat()
        assert (reused.st_size, reused.st_mtime_ns) == (written.st_size, written.st_mtime_ns)
        assert first.live is False and again.live is False
        assert isinstance(c.clock, FixedClock)
        c.clock.value = first.path.stat().st_mtime + encodes.MP4_CACHE_SECONDS + 1
        # While a response still sends it, the file stays; once both are done, it goes.
        assert await encodes.sweep_mp4_cache(c, force=True) == 0
        for made in (first, again):
            assert made.lease is not None
            made.lease.release()
        removed = await encodes.sweep_mp4_cache(c, force=True)
        return first.path, first.path.exists(), removed

    path, still_there, removed = run(context, twice_then_sweep)
    assert len(ffmpeg.runs) == 1
    assert removed == 1 and not still_there
    assert not list(path.parent.glob("*.part.mp4"))


def test_an_mp4_near_the_sweeps_age_is_made_again_rather_than_reused(
    config_factory: Callable[..., FrigateConfig], frigate_db: Path, preview_clip: Path
) -> None:
    context, ffmpeg = counted_context(config_factory())
    add_preview(frigate_db, context.paths.previews, "front", T0, T0 + 60, preview_clip)

    async def age_then_ask(c: AppContext) -> tuple[int, int]:
        first = (await encodes.mp4(c, "front", T0, T0 + 20)).path.stat().st_mtime_ns
        assert isinstance(c.clock, FixedClock)
        c.clock.value = first / 1e9 + encodes.MP4_CACHE_SECONDS - encodes.REUSE_MARGIN_SECONDS + 1
        second = (await encodes.mp4(c, "front", T0, T0 + 20)).path.stat().st_mtime_ns
        return first, second

    first, second = run(context, age_then_ask)
    assert len(ffmpeg.runs) == 2 and second > first


def test_mp4_behind_frigate_nginx_is_written_to_the_cache_root(
    make_context: Callable[..., AppContext], frigate_db: Path, preview_clip: Path
) -> None:
    context = make_context(server={"behind_frigate_nginx": True})
    add_preview(frigate_db, context.paths.previews, "front", T0, T0 + 60, preview_clip)
    made = run(context, lambda c: encodes.mp4(c, "front", T0, T0 + 20))
    assert made.path == context.paths.cache / f"preview_front_{T0}-{T0 + 20}.mp4"
    assert made.path.stat().st_size > 0


def test_a_range_crossing_into_the_current_hour_joins_the_preview_and_the_frames(
    make_context: Callable[..., AppContext], frigate_db: Path, preview_clip: Path
) -> None:
    boundary = T0 + 3600
    context = make_context(now=boundary + 100)
    add_preview(frigate_db, context.paths.previews, "front", boundary - 60, boundary, preview_clip)
    write_frames(
        context.paths.preview_frames,
        "front",
        [boundary + i for i in range(0, 21)],
        size=(640, 360),
    )
    made = run(context, lambda c: encodes.mp4(c, "front", boundary - 20, boundary + 20))
    _, duration, width, height = mp4_info(made.path)
    # 20 s of hourly preview and 21 frames, each shown for 0.12 s.
    assert duration == pytest.approx((20 + 21) * encodes.FRAME_SECONDS, abs=0.5)
    assert (width, height) == (320, 180)
    assert made.live is False  # the range is over: final bytes
