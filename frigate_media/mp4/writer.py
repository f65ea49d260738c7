"""Box writers for the virtual MP4: ftyp, the moov of finished sample tables, the mdat header."""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

U32_MAX = 0xFFFFFFFF
IDENTITY_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def box(kind: bytes, *payload: bytes) -> bytes:
    """A box with a 32-bit size (every box we write but mdat fits)."""
    body = b"".join(payload)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def full_box(kind: bytes, version: int, flags: int, *payload: bytes) -> bytes:
    return box(kind, struct.pack(">I", (version << 24) | flags), *payload)


def mdat_header(payload: int) -> bytes:
    """The mdat header for `payload` bytes: a 64-bit largesize when 32 bits cannot hold it."""
    if payload + 8 <= U32_MAX:
        return struct.pack(">I4s", payload + 8, b"mdat")
    return struct.pack(">I4sQ", 1, b"mdat", payload + 16)


# One data reference: the media is in this file (flag 1 of `url `).
SELF_CONTAINED_DINF = box(
    b"dinf", full_box(b"dref", 0, 0, struct.pack(">I", 1), full_box(b"url ", 0, 1))
)


def ftyp(video_codec: str) -> bytes:
    brands = [b"isom", b"iso2"] + ([b"avc1"] if video_codec.startswith("avc") else []) + [b"mp41"]
    return box(b"ftyp", b"isom", struct.pack(">I", 0x200), *brands)


@dataclass
class Runs:
    """Run-length coded (count, value) pairs, merged across clips."""

    counts: list[npt.NDArray[np.int64]]
    values: list[npt.NDArray[np.int64]]

    @classmethod
    def empty(cls) -> Runs:
        return cls([], [])

    def add(self, values: npt.NDArray[np.int64]) -> None:
        """Append per-sample values, coded as runs."""
        if len(values) == 0:
            return
        edges = np.flatnonzero(np.diff(values)) + 1
        starts = np.concatenate(([0], edges))
        self.counts.append(np.diff(np.append(starts, len(values))).astype(np.int64))
        self.values.append(values[starts].astype(np.int64))

    def merged(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        if not self.counts:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        counts = np.concatenate(self.counts)
        values = np.concatenate(self.values)
        starts = np.concatenate(([0], np.flatnonzero(np.diff(values)) + 1))
        return np.add.reduceat(counts, starts), values[starts]

    def entries(self) -> int:
        return len(self.merged()[0])


def table(kind: bytes, version: int, columns: list[npt.NDArray[np.int64]], dtype: str) -> bytes:
    """A full box holding an entry count and rows of `columns` (all of one big-endian type)."""
    stacked = np.column_stack(columns)
    rows = stacked.shape[0]
    return full_box(kind, version, 0, struct.pack(">I", rows), stacked.astype(dtype).tobytes())


@dataclass
class TrackTables:
    """A finished output track: headers copied from the sources and the merged sample tables."""

    track_id: int
    kind: str
    timescale: int
    stsd: bytes
    hdlr: bytes
    media_header: bytes
    language: int
    volume: int
    matrix: bytes
    width: int
    height: int
    media_duration: int  # sum of sample durations, media ticks
    edits: list[tuple[int, int]]  # (duration in movie ticks, media time or -1)
    stts: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]
    ctts: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]
    stss: npt.NDArray[np.int64] | None  # 1-based sync sample numbers; None: all are sync
    stsz: list[bytes]  # big-endian u32 sizes, per clip
    stsc: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]  # (first chunk, samples per chunk)
    chunk_offsets: npt.NDArray[np.int64]  # relative to the mdat payload start
    sample_count: int

    @property
    def presented(self) -> int:
        return sum(duration for duration, _ in self.edits)

    def stbl(self, chunk_base: int, wide_offsets: bool) -> bytes:
        counts, deltas = self.stts
        parts = [self.stsd, table(b"stts", 0, [counts, deltas], ">u4")]
        counts, offsets = self.ctts
        if len(offsets) and offsets.any():
            signed = bool((offsets < 0).any())
            parts.append(table(b"ctts", 1 if signed else 0, [counts, offsets], ">i4"))
        if self.stss is not None:
            parts.append(table(b"stss", 0, [self.stss], ">u4"))
        sizes = b"".join(self.stsz)
        parts.append(full_box(b"stsz", 0, 0, struct.pack(">II", 0, self.sample_count), sizes))
        first, per_chunk = self.stsc
        ones = np.ones(len(first), np.int64)
        parts.append(table(b"stsc", 0, [first, per_chunk, ones], ">u4"))
        absolute = self.chunk_offsets + chunk_base
        if wide_offsets:
            parts.append(table(b"co64", 0, [absolute], ">u8"))
        else:
            parts.append(table(b"stco", 0, [absolute], ">u4"))
        return box(b"stbl", *parts)

    def trak(self, movie_duration: int, chunk_base: int, wide_offsets: bool) -> bytes:
        wide = max(movie_duration, self.media_duration) > U32_MAX
        if wide:
            times = struct.pack(">QQIIQ", 0, 0, self.track_id, 0, self.presented)
        else:
            times = struct.pack(">IIIII", 0, 0, self.track_id, 0, self.presented)
        tkhd = full_box(
            b"tkhd",
            1 if wide else 0,
            3,  # enabled, in movie
            times,
            struct.pack(">8xhhH2x", 0, 0, self.volume),
            self.matrix,
            struct.pack(">II", self.width, self.height),
        )
        entries = [(d, m) for d, m in self.edits]
        edit_wide = any(d > U32_MAX or m > 0x7FFFFFFF for d, m in entries)
        layout = ">Qqhh" if edit_wide else ">Iihh"
        elst = full_box(
            b"elst",
            1 if edit_wide else 0,
            0,
            struct.pack(">I", len(entries)),
            *(struct.pack(layout, d, m, 1, 0) for d, m in entries),
        )
        if wide:
            mdhd_times = struct.pack(">QQIQ", 0, 0, self.timescale, self.media_duration)
        else:
            mdhd_times = struct.pack(">IIII", 0, 0, self.timescale, self.media_duration)
        language = struct.pack(">HH", self.language, 0)
        mdhd = full_box(b"mdhd", 1 if wide else 0, 0, mdhd_times, language)
        minf = box(
            b"minf",
            self.media_header,
            SELF_CONTAINED_DINF,
            self.stbl(chunk_base, wide_offsets),
        )
        return box(b"trak", tkhd, box(b"edts", elst), box(b"mdia", mdhd, self.hdlr, minf))


def moov(tracks: list[TrackTables], movie_timescale: int, chunk_base: int, wide: bool) -> bytes:
    """The moov of `tracks`; chunk offsets are relative to the mdat payload at `chunk_base`."""
    duration = max(track.presented for track in tracks)
    long_movie = duration > U32_MAX
    times = (
        struct.pack(">QQIQ", 0, 0, movie_timescale, duration)
        if long_movie
        else struct.pack(">IIII", 0, 0, movie_timescale, duration)
    )
    mvhd = full_box(
        b"mvhd",
        1 if long_movie else 0,
        0,
        times,
        struct.pack(">IH10x", 0x10000, 0x100),
        IDENTITY_MATRIX,
        bytes(24),
        struct.pack(">I", len(tracks) + 1),
    )
    traks = [track.trak(duration, chunk_base, wide) for track in tracks]
    return box(b"moov", mvhd, *traks)
