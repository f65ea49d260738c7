"""The HLS service parts: fMP4 cutting (H.264, H.265, B-frames, audio), names, codecs, cache."""

from __future__ import annotations

import asyncio
import itertools
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import pytest

from frigate_media.app import build_context, build_hls
from frigate_media.bounded import BoundedDirectory
from frigate_media.clock import FixedClock
from frigate_media.config import FrigateConfig
from frigate_media.errors import Busy, NotFound
from frigate_media.hls import remux as remux_module
from frigate_media.hls.boxes import split_fragmented
from frigate_media.hls.cache import SegmentCache
from frigate_media.hls.codecs import audio_codec, avc_codec, hevc_codec
from frigate_media.hls.facts import stream_facts
from frigate_media.hls.remux import Cut, remux
from frigate_media.services import hls as hls_service
from frigate_media.services.hls import HlsFile, is_segment_file, parse_file_name
from frigate_media.services.recordings.vod_forms import VodRange
from tests.support.hls import first_tfdt_seconds, record_clips, top_level_boxes
from tests.support.media import run_ffmpeg

T0 = 1_719_000_000.0


def packets_of(data: bytes) -> dict[str, list[Any]]:
    """Demuxed packets per stream type of an init+media byte string."""
    path = Path(f"/tmp/fm-hls-test-{os.getpid()}-{threading.get_ident()}.mp4")
    path.write_bytes(data)
    try:
        result: dict[str, list[Any]] = {}
        with av.open(str(path)) as container:
            for packet in container.demux():
                if packet.pts is not None:
                    kind = packet.stream.type
                    result.setdefault(kind, []).append(
                        (float(packet.pts * packet.time_base), packet.is_keyframe)
                    )
        return result
    finally:
        path.unlink()


@pytest.fixture(scope="module")
def hevc_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("hevc") / "hevc.mp4"
    run_ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=5", "-t", "10"),
        *("-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1", "-pix_fmt", "yuv420p"),
        *("-x265-params", "keyint=5:min-keyint=5:scenecut=0:bframes=0:log-level=error"),
        *("-movflags", "+faststart", str(target)),
    )
    return target


def test_a_cut_starts_on_the_keyframe_at_its_timeline_offset(
    clip_factory: Callable[..., Path],
) -> None:
    clip = clip_factory(seconds=10)
    init, media = remux(Cut(str(clip), 3.0, 7.0, 20.0, audio=False))
    assert top_level_boxes(init) == ["ftyp", "moov"]
    assert set(top_level_boxes(media)) == {"moof", "mdat"}
    video = packets_of(init + media)["video"]
    assert len(video) == 35 and video[0] == (20.0, True)
    assert first_tfdt_seconds(media, 10240) == pytest.approx(20.0, abs=1e-4)


def test_the_end_of_a_cut_keeps_frames_before_it_only(clip_factory: Callable[..., Path]) -> None:
    clip = clip_factory(seconds=10)
    _, media = remux(Cut(str(clip), None, 6.5, 0.0, audio=False))
    init, _ = remux(Cut(str(clip), None, 10.0, 0.0, audio=False))
    video = packets_of(init + media)["video"]
    assert [round(t, 3) for t, _ in video][-1] == 6.4 and len(video) == 33


def test_audio_never_starts_before_the_video_of_a_cut(clip_factory: Callable[..., Path]) -> None:
    clip = clip_factory(seconds=10, audio=True)
    init, media = remux(Cut(str(clip), 2.0, 5.0, 30.0, audio=True))
    streams = packets_of(init + media)
    assert streams["video"][0] == (30.0, True)
    audio_times = [t for t, _ in streams["audio"]]
    assert min(audio_times) >= 30.0 and max(audio_times) < 35.0
    assert sum(1 for _ in audio_times) > 200  # ~5 s of 48 kHz AAC frames (1024 samples each)


def test_b_frame_sources_keep_every_frame_across_cuts(clip_factory: Callable[..., Path]) -> None:
    clip = clip_factory(seconds=10, gop_seconds=2, bframes=True)
    init, first = remux(Cut(str(clip), 4.0, 6.0, 0.0, audio=False))
    _, second = remux(Cut(str(clip), None, 10.0, 6.0, audio=False))
    video = packets_of(init + first + second)["video"]
    assert len(video) == 30 + 50
    times = sorted(t for t, _ in video)
    steps = {round(b - a, 3) for a, b in itertools.pairwise(times)}
    assert steps == {0.2}  # one continuous timeline, no gap or overlap at the join


def test_hevc_is_cut_with_an_hvc1_sample_entry(hevc_clip: Path) -> None:
    init, media = remux(Cut(str(hevc_clip), 2.0, 5.0, 10.0, audio=False))
    assert b"hvc1" in init and b"hvcC" in init
    video = packets_of(init + media)["video"]
    assert len(video) == 25 and video[0] == (10.0, True)
    facts = stream_facts(str(hevc_clip))
    assert facts.video_codec.startswith("hvc1.1.6.L")
    assert (facts.width, facts.height, facts.has_audio) == (320, 240, False)


def test_codec_strings_come_from_the_decoder_records() -> None:
    assert avc_codec(bytes([1, 0x64, 0x00, 0x1F, 0xFF])) == "avc1.64001F"
    assert avc_codec(b"\x00\x00\x00\x01\x67\x4d\x40\x28\xaa\xbb") == "avc1.4D4028"
    assert avc_codec(None) == "avc1.640028"
    # Main profile, compat flags 0x60000000 (reversed: 6), no constraints but 0x90, level 120
    hvcc = bytes([1, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 120])
    assert hevc_codec(hvcc) == "hvc1.1.6.L120.90"
    assert audio_codec("aac", bytes([0x11, 0x90])) == "mp4a.40.2"
    assert audio_codec("aac", bytes([0x2B, 0x90])) == "mp4a.40.5"
    assert audio_codec("opus", None) == "opus"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("master.m3u8", HlsFile("master")),
        ("index.m3u8", HlsFile("index", "")),
        ("index-v1.m3u8", HlsFile("index", "v1")),
        ("index-v1-a1.m3u8", HlsFile("index", "v1-a1")),
        ("init-v1.mp4", HlsFile("init", "v1")),
        ("init-v1-a1.mp4", HlsFile("init", "v1-a1")),
        ("seg-1-v1.m4s", HlsFile("segment", "v1", 1)),
        ("seg-360-v1-a1.m4s", HlsFile("segment", "v1-a1", 360)),
    ],
)
def test_nginx_vod_file_names_parse(name: str, expected: HlsFile) -> None:
    assert parse_file_name(name) == expected


@pytest.mark.parametrize(
    "name", ["seg-0-v1.m4s", "seg-1.m4s", "init.mp4", "index-a1.m3u8", "../index.m3u8", "x.ts"]
)
def test_other_names_are_not_found(name: str) -> None:
    with pytest.raises(NotFound):
        parse_file_name(name)


def test_split_drops_everything_but_init_and_media_boxes() -> None:
    def box(kind: bytes, payload: bytes = b"") -> bytes:
        return (8 + len(payload)).to_bytes(4, "big") + kind + payload

    data = box(b"ftyp", b"isom") + box(b"moov") + box(b"moof") + box(b"mdat", b"x") + box(b"mfra")
    init, media = split_fragmented(data)
    assert init == box(b"ftyp", b"isom") + box(b"moov")
    assert media == box(b"moof") + box(b"mdat", b"x")


def test_the_cache_key_changes_with_the_recording_and_the_cut(tmp_path: Path) -> None:
    source = tmp_path / "rec.mp4"
    source.write_bytes(b"x" * 100)
    cut = Cut(str(source), 2.0, 8.0, 10.0, audio=False)
    key = SegmentCache.key(cut)
    assert SegmentCache.key(cut) == key
    assert SegmentCache.key(Cut(str(source), 2.0, 8.0, 20.0, audio=False)) != key
    assert SegmentCache.key(Cut(str(source), 2.0, 8.0, 10.0, audio=True)) != key
    os.utime(source, ns=(0, 1_000_000_000))
    assert SegmentCache.key(cut) != key


def test_expiry_removes_segments_unused_too_long_but_not_one_being_served(
    tmp_path: Path,
) -> None:
    now = time.time()
    for name in ("stale", "served", "recent"):
        (tmp_path / f"{name}.m4s").write_bytes(b"x" * 1000)
    os.utime(tmp_path / "recent.m4s", (now - 60, now - 60))
    for name in ("stale", "served"):
        os.utime(tmp_path / f"{name}.m4s", (now - 7200, now - 7200))
    moments = iter([now - 7200])  # the pin happened two hours ago; its response still runs
    files = BoundedDirectory(
        tmp_path, max_bytes=10_000, name="HLS", accepts=is_segment_file, clock=lambda: next(moments)
    )
    files.load()
    cache = SegmentCache(files, max_age_seconds=3600)
    lease = cache.pin("served.m4s")
    assert lease is not None
    assert cache.expire(now) == 1
    assert sorted(p.stem for p in tmp_path.iterdir()) == ["recent", "served"]
    lease.release()
    assert cache.expire(now) == 1
    assert sorted(p.stem for p in tmp_path.iterdir()) == ["recent"]


@pytest.fixture
def service_context(
    tmp_path: Path,
    frigate_db: Path,
    config_factory: Callable[..., FrigateConfig],
    clip_factory: Callable[..., Path],
) -> Callable[..., Any]:
    record_clips(frigate_db, tmp_path / "media" / "recordings", "front", T0, clip_factory(), 3)

    def make(**limits: Any) -> Any:
        config = config_factory({"limits": limits})
        return build_context(config, clock=FixedClock(T0 + 10_000))

    return make


def test_concurrent_requests_for_one_segment_share_one_remux(
    service_context: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Cut] = []

    def counting(cut: Cut) -> tuple[bytes, bytes]:
        calls.append(cut)
        time.sleep(0.5)  # keep the first remux in flight while the others arrive
        return remux_module.remux(cut)

    monkeypatch.setattr(hls_service, "remux", counting)
    context = service_context()
    service = build_hls(context)
    vod = VodRange("front", T0, T0 + 30)

    async def scenario() -> list[bytes]:
        replies = await asyncio.gather(
            *(service.reply(vod, HlsFile("segment", "v1", 2), "") for _ in range(5)),
            service.reply(vod, HlsFile("init", "v1"), ""),
            service.reply(vod, HlsFile("segment", "v1", 1), ""),
        )
        return [reply.file.read_bytes() for reply in replies]

    bodies = asyncio.run(scenario())
    assert len({body for body in bodies[:5]}) == 1
    assert top_level_boxes(bodies[5]) == ["ftyp", "moov"]
    assert len(calls) == 2  # segment 2 once; init and segment 1 come from one remux
    assert [cut.timeline_offset for cut in sorted(calls, key=lambda c: c.timeline_offset)] == [
        0.0,
        10.0,
    ]


def test_beyond_the_job_limit_a_segment_request_is_busy_with_retry_after(
    service_context: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    release, started = threading.Event(), threading.Event()

    def blocking(cut: Cut) -> tuple[bytes, bytes]:
        started.set()
        release.wait(10)
        return remux_module.remux(cut)

    monkeypatch.setattr(hls_service, "remux", blocking)
    service = build_hls(service_context(hls_jobs=1, ffmpeg_queue_wait=0.2))
    vod = VodRange("front", T0, T0 + 30)

    async def scenario() -> None:
        first = asyncio.ensure_future(service.reply(vod, HlsFile("segment", "v1", 1), ""))
        assert await asyncio.to_thread(started.wait, 30)  # the only slot is now taken
        with pytest.raises(Busy) as raised:
            await service.reply(vod, HlsFile("segment", "v1", 2), "")
        assert raised.value.headers["Retry-After"]
        release.set()
        reply = await first
        assert reply.file is not None and reply.file.exists()

    asyncio.run(scenario())
