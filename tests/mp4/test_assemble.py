"""The virtual MP4 of a VOD plan: duration, frames, audio, byte ranges, ETag, 64-bit sizes."""

from __future__ import annotations

import io
import os
import random
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import pytest

from frigate_media.errors import RangeNotSatisfiable
from frigate_media.mp4.assemble import FileTables, assemble, plan_identities
from frigate_media.mp4.index import SampleIndex
from frigate_media.mp4.virtual import CHUNK_BYTES, VirtualMp4
from frigate_media.services.recordings.vod import PlannedClip, VodPlan
from tests.mp4.conftest import plan_over
from tests.support.framehash import decoded_frames, source_frames

SETS: dict[str, dict[str, Any]] = {
    "recorder, AAC, no B-frames": {"audio": True},
    "moov at the end, AAC, B-frames": {"audio": True, "bframes": True, "faststart": False},
    "no audio, B-frames": {"bframes": True},
    "H.265, B-frames": {"codec": "libx265", "bframes": True, "count": 2},
}
RANGES = [(5.5, 18.3), (0.0, 10.0), (12.0, 18.7), (3.1, 17.9)]
FRAME = 0.2  # the sets run at 5 fps


def build(plan: VodPlan) -> tuple[VirtualMp4, bytes]:
    virtual = assemble(plan, FileTables())
    return virtual, virtual.read(0, virtual.size)


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize(("start", "end"), RANGES)
def test_the_virtual_mp4_lasts_the_range_and_shows_the_source_frames(
    segments: Callable[..., list[Path]], name: str, start: float, end: float
) -> None:
    plan = plan_over(segments(**SETS[name]), start, end)
    virtual, data = build(plan)
    with av.open(io.BytesIO(data)) as container:
        assert container.duration / av.time_base == pytest.approx(end - start, abs=FRAME)
        video = container.streams.video[0]
        assert float(video.duration * video.time_base) == pytest.approx(end - start, abs=FRAME)
    assert virtual.duration == pytest.approx(end - start, abs=FRAME)
    got, expected = decoded_frames(io.BytesIO(data)), source_frames(plan)
    assert len(expected) >= (end - start) / FRAME - 1
    assert [digest for _, digest in got] == [digest for _, digest in expected]
    assert got[0][0] < FRAME  # the first frame shown is the one at the requested start


def test_playback_starts_at_the_requested_millisecond_not_the_keyframe_before(
    segments: Callable[..., list[Path]],
) -> None:
    files = segments(audio=True)
    plan = plan_over(files, 15.5, 19.0)
    assert plan.clips[0].clip_from_ms == 5000  # the plan cuts at the keyframe before
    _, data = build(plan)
    first_time, first_digest = decoded_frames(io.BytesIO(data))[0]
    assert first_time < FRAME
    # 5.4 plays until 5.6 but started before the range: the first frame shown is 5.6's
    assert first_digest == decoded_frames(str(files[1]), 5.6, 5.7)[0][1]


def test_audio_is_kept_and_plays_as_long_as_the_video(segments: Callable[..., list[Path]]) -> None:
    plan = plan_over(segments(audio=True), 5.5, 28.0)
    virtual, data = build(plan)
    assert virtual.has_audio
    with av.open(io.BytesIO(data)) as container:
        audio = container.streams.audio[0]
        assert audio.codec_context.name == "aac"
        assert float(audio.duration * audio.time_base) == pytest.approx(22.5, abs=0.05)
        samples = sum(frame.samples for frame in container.decode(audio=0))
    assert samples / 48000 == pytest.approx(22.5, abs=0.05)


@pytest.mark.parametrize("name", ["recorder, AAC, no B-frames", "moov at the end, AAC, B-frames"])
def test_any_byte_range_equals_the_same_slice_of_the_whole_output(
    segments: Callable[..., list[Path]], name: str
) -> None:
    virtual, data = build(plan_over(segments(**SETS[name]), 5.5, 28.0))
    assert len(data) == virtual.size
    header = len(virtual.header)
    edges = [0, 1, header - 1, header, header + 1, virtual.size - 1]
    edges += [
        header + sum(r.length for r in virtual.ranges[:i]) for i in range(len(virtual.ranges))
    ]
    rng = random.Random(17)
    pairs = [(a, b) for a in edges for b in edges if a < b]
    pairs += [tuple(sorted(rng.sample(range(virtual.size + 1), 2))) for _ in range(200)]
    for first, stop in pairs:
        if first == stop:
            continue
        chunks = list(virtual.iter_range(first, stop))
        assert all(0 < len(chunk) <= CHUNK_BYTES for chunk in chunks)
        assert b"".join(chunks) == data[first:stop], (first, stop)
    for first, stop in [(0, 0), (-1, 5), (5, virtual.size + 1), (virtual.size, virtual.size + 1)]:
        with pytest.raises(RangeNotSatisfiable):
            virtual.read(first, stop)


def test_the_same_plan_gives_the_same_bytes_and_etag_and_a_new_write_a_new_etag(
    segments: Callable[..., list[Path]], tmp_path: Path
) -> None:
    files = [Path(tmp_path / f"{i}.mp4") for i in range(3)]
    for source, copy in zip(segments(audio=True), files, strict=True):
        copy.write_bytes(source.read_bytes())
    plan = plan_over(files, 5.5, 23.3)
    first, first_data = build(plan)
    second, second_data = build(plan)
    assert first.etag == second.etag and first.etag.startswith('"')
    assert first_data == second_data
    other = plan_over(files, 5.6, 23.3)
    assert build(other)[0].etag != first.etag
    stat = files[1].stat()
    os.utime(files[1], ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert build(plan)[0].etag != first.etag


def test_assembling_and_reading_writes_no_file_outside_the_index_directory(
    segments: Callable[..., list[Path]], tmp_path: Path, media_dir: Path
) -> None:
    """Watched: where the media is, this test's own directory and the working directory (not
    all of /tmp, where other processes on the machine write as they please)."""
    files = segments(audio=True, bframes=True, faststart=False)
    watched = [tmp_path, media_dir, Path.cwd()]

    def snapshot() -> set[tuple[str, int, int]]:
        seen = set()
        for root in watched:
            for path in root.rglob("*"):
                if path.is_file() and tmp_path / "index" not in path.parents:
                    stat = path.stat()
                    seen.add((str(path), stat.st_size, stat.st_mtime_ns))
        return seen

    before = snapshot()
    index = SampleIndex(tmp_path / "index")
    try:
        virtual = assemble(plan_over(files, 5.5, 28.0), index)
        for _ in virtual.iter_range(0, virtual.size):
            pass
    finally:
        index.close()
    assert snapshot() == before
    assert {p.name for p in (tmp_path / "index").iterdir()} <= {
        "sample-tables.sqlite3",
        "sample-tables.sqlite3-wal",
        "sample-tables.sqlite3-shm",
    }


class _Reader(io.RawIOBase):
    """A seekable file object over a virtual MP4, for PyAV, reading only what it asks for."""

    def __init__(self, virtual: VirtualMp4) -> None:
        self.virtual = virtual
        self.position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.position, 2: self.virtual.size}[whence]
        self.position = base + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer: Any) -> int:
        stop = min(self.virtual.size, self.position + len(buffer))
        if stop <= self.position:
            return 0
        data = self.virtual.read(self.position, stop)
        buffer[: len(data)] = data
        self.position = stop
        return len(data)


@pytest.mark.slow
def test_outputs_past_4_gib_use_64_bit_chunk_offsets_and_a_largesize_mdat(
    segments: Callable[..., list[Path]],
) -> None:
    """The same big segment planned many times over: a >4 GiB output without >4 GiB on disk."""
    big = segments(
        count=1, fps=30, width=1280, height=720, extra=("-preset", "ultrafast", "-crf", "8")
    )[0]
    copies = (5 * 1024**3) // big.stat().st_size + 1
    clips = tuple(PlannedClip(str(big), 10.0 * i, None, 10_000) for i in range(copies))
    plan = VodPlan("cam", 0.0, 10.0 * copies, clips, discontinuity=False, cache=True)
    virtual = assemble(plan, FileTables(), identities=plan_identities(plan))
    assert virtual.size > 5 * 1024**3
    assert b"co64" in virtual.header and b"stco" not in virtual.header
    size_field, kind, largesize = struct.unpack(">I4sQ", virtual.header[-16:])
    assert (size_field, kind) == (1, b"mdat")
    assert largesize == virtual.size - (len(virtual.header) - 16)
    tail = virtual.read(virtual.size - CHUNK_BYTES, virtual.size)
    assert tail == big.read_bytes()[virtual.ranges[-1].stop - CHUNK_BYTES : virtual.ranges[-1].stop]
    with av.open(_Reader(virtual)) as container:
        video = container.streams.video[0]
        assert float(video.duration * video.time_base) == pytest.approx(10.0 * copies, abs=0.04)
        container.seek(round((10.0 * copies - 1.0) / video.time_base), stream=video)
        frame = next(container.decode(video))
        shown = float(frame.time) - 10.0 * (copies - 1)
        expected = [d for t, d in decoded_frames(str(big)) if abs(t - shown) < 1e-3]
        assert expected == [decoded_frames_of(frame)]


def decoded_frames_of(frame: av.VideoFrame) -> str:
    import hashlib

    return hashlib.md5(frame.to_ndarray().tobytes()).hexdigest()
