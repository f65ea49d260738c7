"""Sample tables of a stored MP4 segment: its moov parsed into per-track arrays, or a refusal.

Only what ffmpeg's mov muxer writes for a recording is accepted (one video track, at most one
audio track, one sample description each, at most an empty edit plus one media edit); every other
layout raises `CannotAssemble`. Times follow ffmpeg's reading of the file, edit lists included,
so a frame's time here is the time `probe`, the VOD plan and the HLS cutter see.
"""

from __future__ import annotations

import functools
import os
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from frigate_media.file_identity import FileIdentity
from frigate_media.mp4.boxes import Box, BoxError, iter_boxes, scan_file
from frigate_media.mp4.errors import CannotAssemble, Reason

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]

MAX_TOP_BOXES = 64  # a segment has a handful; more looks like garbage
MAX_SEGMENT_MOOV_BYTES = 16 * 1024 * 1024  # a 10-min 60 fps segment's moov is well under this
VIDEO_CODECS = frozenset({"avc1", "avc3", "hvc1", "hev1"})
AUDIO_CODECS = frozenset({"mp4a"})
HANDLERS = {b"vide": "video", b"soun": "audio"}
# Boxes that do not change which bytes are which sample, or when it plays.
IGNORED = {
    b"moov": frozenset({b"udta", b"meta", b"iods", b"free", b"skip"}),
    b"trak": frozenset({b"udta", b"meta", b"free", b"skip", b"tref", b"load"}),
    b"mdia": frozenset({b"udta", b"free", b"elng"}),
    b"minf": frozenset({b"free", b"hdlr"}),
    b"stbl": frozenset({b"sgpd", b"sbgp", b"sdtp", b"cslg", b"stps", b"padb", b"free"}),
}
# Bytes of a sample entry before its child boxes (ISO 14496-12 VisualSampleEntry, AudioSampleEntry).
VISUAL_ENTRY_FIELDS = 78
AUDIO_ENTRY_FIELDS = 28
# Children of a sample entry that describe one file, not the stream: ffmpeg's bitrates per segment.
PER_FILE_ENTRY_BOXES = frozenset({b"btrt"})
DIGEST_MAGIC = b"FMD1"
DIGEST_HEAD = struct.Struct(">4sQI")
EXTENT = struct.Struct(">QQ")
RATE_ONE = 0x00010000


def identity_of(path: str) -> FileIdentity:
    """`path`'s identity now; CannotAssemble(unreadable) when it is gone. Blocking."""
    try:
        return FileIdentity.of(path)
    except OSError as error:
        raise CannotAssemble(Reason.UNREADABLE, f"{path}: {error.strerror}") from None


@dataclass(frozen=True, eq=False)
class Track:
    """One track's header facts and per-sample tables (decode order, media timescale ticks)."""

    kind: str  # "video" or "audio"
    codec: str  # the sample entry's four-character code
    timescale: int
    stsd: bytes  # the whole stsd box (less per-file boxes), copied into the output as is
    stsd_key: bytes  # the stsd with per-file fields zeroed: equal keys, same decoder setup
    hdlr: bytes  # the whole hdlr box
    media_header: bytes  # the whole vmhd or smhd box
    language: int
    volume: int
    matrix: bytes
    width: int  # 16.16 fixed point, as in tkhd
    height: int
    edit_empty: float  # seconds of empty edit before the media plays
    edit_media_time: int  # ticks of media time at which the presentation starts
    edit_duration: float | None  # seconds presented; None: to the end
    sizes: Ints
    offsets: Ints  # absolute file offsets
    durations: Ints
    dts: Ints
    composition: Ints  # composition offsets (pts - dts)
    sync: Flags

    @property
    def count(self) -> int:
        return len(self.sizes)

    @functools.cached_property
    def times(self) -> Floats:
        """Each sample's presentation time in movie seconds, as ffmpeg reports it."""
        ticks = self.dts + self.composition - self.edit_media_time
        return ticks / self.timescale + self.edit_empty

    @property
    def window_end(self) -> float:
        """Movie time at which the edit list stops presenting this track."""
        if self.edit_duration is None:
            return float("inf")
        return self.edit_empty + self.edit_duration

    def start_time(self) -> float | None:
        """ffmpeg's start time of the stream: its first presented sample (None: nothing plays)."""
        times, begin, end = self.times, self.edit_empty, self.window_end
        ends = times + self.durations / self.timescale
        if self.kind == "video":  # a frame straddling the edit start is discarded
            shown = times[(times >= begin - 1e-9) & (times < end)]
            return float(shown.min()) if len(shown) else None
        shown = times[(ends > begin) & (times < end)]
        return max(float(shown.min()), begin) if len(shown) else None


@dataclass(frozen=True, eq=False)
class MediaFile:
    """One segment: its identity, its tracks and its start time (ffmpeg's `start_time`)."""

    identity: FileIdentity
    video: Track
    audio: Track | None
    start: float

    @property
    def tracks(self) -> tuple[Track, ...]:
        return (self.video,) if self.audio is None else (self.video, self.audio)


def _refuse(reason: Reason, path: str, detail: str) -> CannotAssemble:
    return CannotAssemble(reason, f"{os.path.basename(path)}: {detail}")


def read_digest(path: str) -> tuple[FileIdentity, bytes]:
    """The file's identity and the bytes the index keeps for it (extents of mdat + the moov).

    Reads the top-level box headers and the moov only. Blocking.
    """
    try:
        with open(path, "rb") as handle:
            stat = os.fstat(handle.fileno())
            identity = FileIdentity(path, stat.st_size, stat.st_mtime_ns)
            scan = scan_file(handle, stat.st_size, max_boxes=MAX_TOP_BOXES)
            moov = _locate_moov(path, scan.boxes, scan.truncated)
            if moov.size > MAX_SEGMENT_MOOV_BYTES:
                raise _refuse(Reason.LAYOUT, path, f"a {moov.size}-byte moov")
            handle.seek(moov.offset)
            data = handle.read(moov.size)
    except OSError as error:
        raise _refuse(Reason.UNREADABLE, path, str(error.strerror or error)) from None
    if len(data) != moov.size:
        raise _refuse(Reason.TRUNCATED, path, "the moov ends early")
    extents = [(box.start, box.end) for box in scan.boxes if box.kind == b"mdat"]
    head = DIGEST_HEAD.pack(DIGEST_MAGIC, identity.size, len(extents))
    return identity, head + b"".join(EXTENT.pack(*extent) for extent in extents) + data


def _locate_moov(path: str, boxes: tuple[Box, ...], truncated: bool) -> Box:
    kinds = [box.kind for box in boxes]
    if b"moof" in kinds:
        raise _refuse(Reason.FRAGMENTED, path, "movie fragments (moof)")
    if truncated:
        raise _refuse(Reason.TRUNCATED, path, "the last box runs past the end of the file")
    if kinds.count(b"moov") != 1:
        raise _refuse(Reason.TRUNCATED, path, f"{kinds.count(b'moov')} moov boxes")
    if b"mdat" not in kinds:
        raise _refuse(Reason.TRUNCATED, path, "no mdat")
    return boxes[kinds.index(b"moov")]


def media_from_digest(identity: FileIdentity, digest: bytes) -> MediaFile:
    """Parse what `read_digest` returned into sample tables; CannotAssemble when unsupported."""
    path = identity.path
    try:
        magic, file_size, count = DIGEST_HEAD.unpack_from(digest)
        extents = [
            EXTENT.unpack_from(digest, DIGEST_HEAD.size + i * EXTENT.size) for i in range(count)
        ]
    except struct.error:
        raise _refuse(Reason.LAYOUT, path, "an unreadable index entry") from None
    if magic != DIGEST_MAGIC:
        raise _refuse(Reason.LAYOUT, path, "an index entry of another format")
    moov = memoryview(digest)[DIGEST_HEAD.size + count * EXTENT.size :]
    try:
        return _Parser(path, moov, file_size, extents).media(identity)
    except (BoxError, struct.error, ValueError, IndexError) as error:
        raise _refuse(Reason.LAYOUT, path, f"a malformed moov ({error})") from None


def read_media(path: str) -> MediaFile:
    """Read and parse one segment's sample tables. Blocking."""
    identity, digest = read_digest(path)
    return media_from_digest(identity, digest)


def _stsd(head: bytes, kind: bytes, prefix: bytes, children: list[bytes]) -> bytes:
    body = prefix + b"".join(children)
    entry = struct.pack(">I4s", 8 + len(body), kind) + body
    return struct.pack(">I4s", 16 + len(entry), b"stsd") + head + entry


def _descriptor(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, payload offset, payload size) of an MPEG-4 descriptor (ISO 14496-1 8.3.3)."""
    tag, size, at = data[at], 0, at + 1
    for _ in range(4):
        byte = data[at]
        at += 1
        size = (size << 7) | (byte & 0x7F)
        if not byte & 0x80:
            break
    return tag, at, size


def _esds_without_bitrates(esds: bytes) -> bytes:
    """The esds box with the decoder config's buffer size and bitrates zeroed (they change per
    file while the decoder setup stays); the box unchanged when it does not parse."""
    try:
        tag, at, _ = _descriptor(esds, 12)
        if tag != 0x03:
            return esds
        flags = esds[at + 2]
        at += 3 + (2 if flags & 0x80 else 0) + (1 + esds[at + 3] if flags & 0x40 else 0)
        at += 2 if flags & 0x20 else 0
        tag, at, size = _descriptor(esds, at)
        if tag != 0x04 or size < 13:
            return esds
        return esds[: at + 2] + bytes(11) + esds[at + 13 :]
    except IndexError:
        return esds


def _full_box(data: memoryview, box: Box) -> tuple[int, int]:
    """(version, offset of the payload after version and flags)."""
    return data[box.start], box.start + 4


def _u32(data: memoryview, offset: int) -> int:
    value: int = struct.unpack_from(">I", data, offset)[0]
    return value


class _Parser:
    """One moov's walk; the file path only names the file in refusals."""

    def __init__(
        self, path: str, moov: memoryview, file_size: int, extents: list[tuple[int, int]]
    ) -> None:
        self.path = path
        self.data = moov
        self.file_size = file_size
        self.extents = extents

    def refuse(self, reason: Reason, detail: str) -> CannotAssemble:
        return _refuse(reason, self.path, detail)

    def children(
        self, parent: Box, required: frozenset[bytes], optional: frozenset[bytes] = frozenset()
    ) -> dict[bytes, Box]:
        """The children of `parent` by type: each known one once; unknown ones refused."""
        found: dict[bytes, Box] = {}
        ignored = IGNORED.get(parent.kind, frozenset())
        for box in iter_boxes(self.data, parent.start, parent.end):
            if box.kind in ignored:
                continue
            if box.kind not in required and box.kind not in optional:
                if box.kind in (b"mvex", b"moof"):
                    raise self.refuse(Reason.FRAGMENTED, "movie fragments (mvex)")
                raise self.refuse(Reason.LAYOUT, f"an unknown {box.kind!r} in {parent.kind!r}")
            if box.kind in found:
                raise self.refuse(Reason.LAYOUT, f"two {box.kind!r} in {parent.kind!r}")
            found[box.kind] = box
        missing = required - found.keys()
        if missing:
            raise self.refuse(Reason.LAYOUT, f"no {sorted(missing)!r} in {parent.kind!r}")
        return found

    def media(self, identity: FileIdentity) -> MediaFile:
        top = next(iter_boxes(self.data))
        if top.kind != b"moov":
            raise self.refuse(Reason.LAYOUT, "the index entry holds no moov")
        movie_timescale = 0
        tracks: list[Track] = []
        for box in iter_boxes(self.data, top.start, top.end):
            if box.kind == b"mvhd":
                version, at = _full_box(self.data, box)
                movie_timescale = _u32(self.data, at + (16 if version == 1 else 8))
            elif box.kind == b"trak":
                track = self.track(box, movie_timescale)
                if track is not None:
                    tracks.append(track)
            elif box.kind in (b"mvex", b"cmov"):
                reason = Reason.FRAGMENTED if box.kind == b"mvex" else Reason.LAYOUT
                raise self.refuse(reason, f"a {box.kind.decode()} box")
            elif box.kind not in IGNORED[b"moov"]:
                raise self.refuse(Reason.LAYOUT, f"an unknown {box.kind!r} in the moov")
        videos = [t for t in tracks if t.kind == "video"]
        audios = [t for t in tracks if t.kind == "audio"]
        if len(videos) != 1 or len(audios) > 1:
            raise self.refuse(Reason.LAYOUT, f"{len(videos)} video, {len(audios)} audio tracks")
        starts = [s for s in (t.start_time() for t in tracks) if s is not None]
        if videos[0].start_time() is None:
            raise self.refuse(Reason.TRUNCATED, "no video frame is presented")
        return MediaFile(identity, videos[0], audios[0] if audios else None, min(starts))

    def track(self, trak: Box, movie_timescale: int) -> Track | None:
        if movie_timescale <= 0:
            raise self.refuse(Reason.LAYOUT, "no mvhd before the tracks")
        boxes = self.children(trak, frozenset({b"tkhd", b"mdia"}), frozenset({b"edts"}))
        mdia = self.children(boxes[b"mdia"], frozenset({b"mdhd", b"hdlr", b"minf"}))
        hdlr = mdia[b"hdlr"]
        kind = HANDLERS.get(bytes(self.data[hdlr.start + 8 : hdlr.start + 12]))
        if kind is None:
            return None  # timecode, text or data tracks: ffmpeg's concat does not map them either
        header = b"vmhd" if kind == "video" else b"smhd"
        minf = self.children(mdia[b"minf"], frozenset({header, b"dinf", b"stbl"}))
        self.check_self_contained(minf[b"dinf"])
        timescale, language = self.media_header(mdia[b"mdhd"])
        edit = self.edit_list(boxes.get(b"edts"), movie_timescale, timescale)
        stsd, stsd_key, codec = self.sample_description(kind, minf[b"stbl"])
        tables = self.sample_tables(minf[b"stbl"], kind)
        volume, matrix, width, height = self.track_header(boxes[b"tkhd"])
        return Track(
            kind=kind,
            codec=codec,
            timescale=timescale,
            stsd=stsd,
            stsd_key=stsd_key,
            hdlr=bytes(self.data[hdlr.offset : hdlr.end]),
            media_header=bytes(self.data[minf[header].offset : minf[header].end]),
            language=language,
            volume=volume,
            matrix=matrix,
            width=width,
            height=height,
            edit_empty=edit[0],
            edit_media_time=edit[1],
            edit_duration=edit[2],
            **tables,
        )

    def track_header(self, tkhd: Box) -> tuple[int, bytes, int, int]:
        version, at = _full_box(self.data, tkhd)
        at += 32 if version == 1 else 20
        at += 8 + 4  # reserved, layer, alternate group
        (volume,) = struct.unpack_from(">H", self.data, at)
        matrix = bytes(self.data[at + 4 : at + 40])
        width, height = struct.unpack_from(">II", self.data, at + 40)
        return volume, matrix, width, height

    def media_header(self, mdhd: Box) -> tuple[int, int]:
        version, at = _full_box(self.data, mdhd)
        if version == 1:
            timescale, _duration, language = struct.unpack_from(">IQH", self.data, at + 16)
        else:
            timescale, _duration, language = struct.unpack_from(">IIH", self.data, at + 8)
        if timescale <= 0:
            raise self.refuse(Reason.TIMESCALE, "a zero media timescale")
        return timescale, language

    def check_self_contained(self, dinf: Box) -> None:
        dref = self.children(dinf, frozenset({b"dref"}))[b"dref"]
        entries = list(iter_boxes(self.data, dref.start + 8, dref.end))
        if len(entries) != 1 or self.data[entries[0].start + 3] & 1 != 1:
            raise self.refuse(Reason.LAYOUT, "sample data in another file (dref)")

    def edit_list(
        self, edts: Box | None, movie_timescale: int, timescale: int
    ) -> tuple[float, int, float | None]:
        """(empty seconds, media time in ticks, presented seconds or None) of the edit list."""
        if edts is None:
            return 0.0, 0, None
        elst = self.children(edts, frozenset({b"elst"}))[b"elst"]
        version, at = _full_box(self.data, elst)
        count = _u32(self.data, at)
        layout = ">Qqhh" if version == 1 else ">Iihh"
        step = struct.calcsize(layout)
        empty = 0
        media: list[tuple[int, int]] = []
        for index in range(count):
            duration, media_time, rate, fraction = struct.unpack_from(
                layout, self.data, at + 4 + index * step
            )
            if media_time == -1:
                if media:
                    raise self.refuse(Reason.LAYOUT, "an empty edit after a media edit")
                empty += duration
                continue
            if (rate << 16) + fraction != RATE_ONE:
                raise self.refuse(Reason.LAYOUT, "an edit that is not played at rate 1")
            media.append((duration, media_time))
        if len(media) > 1:
            raise self.refuse(Reason.LAYOUT, f"{len(media)} media edits")
        if not media:
            return empty / movie_timescale, 0, None
        duration, media_time = media[0]
        presented = duration / movie_timescale if duration else None
        return empty / movie_timescale, media_time, presented

    def sample_description(self, kind: str, stbl: Box) -> tuple[bytes, bytes, str]:
        """(stsd without per-file boxes, the same with per-file fields zeroed, codec)."""
        stsd = next(b for b in iter_boxes(self.data, stbl.start, stbl.end) if b.kind == b"stsd")
        _version, at = _full_box(self.data, stsd)
        entries = list(iter_boxes(self.data, at + 4, stsd.end))
        if _u32(self.data, at) != 1 or len(entries) != 1:
            raise self.refuse(Reason.LAYOUT, "a sample description table without exactly one entry")
        entry = entries[0]
        codec = entry.kind.decode("latin-1")
        if codec not in (VIDEO_CODECS if kind == "video" else AUDIO_CODECS):
            raise self.refuse(Reason.CODEC, f"{kind} codec {codec!r}")
        fields = entry.start + (VISUAL_ENTRY_FIELDS if kind == "video" else AUDIO_ENTRY_FIELDS)
        children = [
            child
            for child in iter_boxes(self.data, fields, entry.end)
            if child.kind not in PER_FILE_ENTRY_BOXES
        ]
        head = bytes(self.data[stsd.start : stsd.start + 8])  # version, flags, entry count
        prefix = bytes(self.data[entry.start : fields])
        kept = [bytes(self.data[child.offset : child.end]) for child in children]
        stsd_bytes = _stsd(head, entry.kind, prefix, kept)
        same = [_esds_without_bitrates(raw) if raw[4:8] == b"esds" else raw for raw in kept]
        return stsd_bytes, _stsd(head, entry.kind, prefix, same), codec

    def table(self, box: Box, columns: int, dtype: str = ">u4") -> npt.NDArray[Any]:
        """A full box's (entry_count, entries) table as an array of `columns` columns."""
        _version, at = _full_box(self.data, box)
        count = _u32(self.data, at)
        width = np.dtype(dtype).itemsize * columns
        if at + 4 + count * width > box.end:
            raise self.refuse(Reason.LAYOUT, f"a {box.kind.decode()} longer than its box")
        values = np.frombuffer(self.data, dtype=dtype, count=count * columns, offset=at + 4)
        return values.reshape(count, columns) if columns > 1 else values

    def sample_tables(self, stbl: Box, kind: str) -> dict[str, Any]:
        boxes = self.children(
            stbl,
            frozenset({b"stsd", b"stts", b"stsc"}),
            frozenset({b"stsz", b"stco", b"co64", b"ctts", b"stss", b"stz2"}),
        )
        if b"stsz" not in boxes:
            raise self.refuse(Reason.LAYOUT, "no stsz (stz2 is not supported)")
        if (b"stco" in boxes) == (b"co64" in boxes):
            raise self.refuse(Reason.LAYOUT, "not exactly one of stco and co64")
        sizes = self.sample_sizes(boxes[b"stsz"])
        count = len(sizes)
        if count == 0:
            raise self.refuse(Reason.TRUNCATED, f"an empty {kind} track")
        stts = self.table(boxes[b"stts"], 2).astype(np.int64)
        durations = np.repeat(stts[:, 1], stts[:, 0])
        if len(durations) != count:
            raise self.refuse(Reason.LAYOUT, "stts and stsz disagree on the sample count")
        dts = np.zeros(count, np.int64)
        np.cumsum(durations[:-1], out=dts[1:])
        composition = np.zeros(count, np.int64)
        if b"ctts" in boxes:
            counts = self.table(boxes[b"ctts"], 2).astype(np.int64)[:, 0]
            offsets = self.table(boxes[b"ctts"], 2, ">i4").astype(np.int64)[:, 1]
            composition = np.repeat(offsets, counts)
            if len(composition) != count:
                raise self.refuse(Reason.LAYOUT, "ctts and stsz disagree on the sample count")
        sync = np.ones(count, np.bool_)
        if b"stss" in boxes:
            numbers = self.table(boxes[b"stss"], 1).astype(np.int64)
            if len(numbers) and (numbers.min() < 1 or numbers.max() > count):
                raise self.refuse(Reason.LAYOUT, "stss names samples that do not exist")
            sync = np.zeros(count, np.bool_)
            sync[numbers - 1] = True
        chunk = boxes.get(b"stco") or boxes[b"co64"]
        chunks = self.table(chunk, 1, ">u4" if chunk.kind == b"stco" else ">u8").astype(np.int64)
        offsets = self.sample_offsets(boxes[b"stsc"], chunks, sizes)
        self.check_in_mdat(offsets, sizes)
        return {
            "sizes": sizes,
            "offsets": offsets,
            "durations": durations,
            "dts": dts,
            "composition": composition,
            "sync": sync,
        }

    def sample_sizes(self, stsz: Box) -> Ints:
        _version, at = _full_box(self.data, stsz)
        fixed, count = struct.unpack_from(">II", self.data, at)
        if fixed:
            return np.full(count, fixed, np.int64)
        if at + 8 + 4 * count > stsz.end:
            raise self.refuse(Reason.LAYOUT, "an stsz longer than its box")
        return np.frombuffer(self.data, ">u4", count, at + 8).astype(np.int64)

    def sample_offsets(self, stsc_box: Box, chunks: Ints, sizes: Ints) -> Ints:
        stsc = self.table(stsc_box, 3).astype(np.int64)
        if len(stsc) == 0 or stsc[0, 0] != 1 or (stsc[:, 2] != 1).any():
            raise self.refuse(Reason.LAYOUT, "an stsc this reader does not follow")
        runs = np.diff(np.append(stsc[:, 0], len(chunks) + 1))
        if (runs <= 0).any():
            raise self.refuse(Reason.LAYOUT, "stsc and the chunk offsets disagree")
        per_chunk = np.repeat(stsc[:, 1], runs)
        if per_chunk.sum() != len(sizes):
            raise self.refuse(Reason.LAYOUT, "stsc and stsz disagree on the sample count")
        chunk_of = np.repeat(np.arange(len(chunks)), per_chunk)
        before = np.zeros(len(sizes), np.int64)  # bytes of the samples before each one
        np.cumsum(sizes[:-1], out=before[1:])
        first = np.zeros(len(chunks), np.int64)  # the first sample of each chunk
        np.cumsum(per_chunk[:-1], out=first[1:])
        first = np.minimum(first, len(sizes) - 1)
        return chunks[chunk_of] + before - before[first][chunk_of]

    def check_in_mdat(self, offsets: Ints, sizes: Ints) -> None:
        ends = offsets + sizes
        if len(ends) and ends.max() > self.file_size:
            raise self.refuse(Reason.TRUNCATED, "samples lie past the end of the file")
        starts = np.array([e[0] for e in self.extents], np.int64)
        stops = np.array([e[1] for e in self.extents], np.int64)
        which = np.searchsorted(starts, offsets, side="right") - 1
        if (which < 0).any() or (ends > stops[np.maximum(which, 0)]).any():
            raise self.refuse(Reason.LAYOUT, "samples lie outside the mdat")
