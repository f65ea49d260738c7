"""Assemble the virtual MP4 of a VOD plan from its segments' sample tables.

The plan's cut points are honoured as the mapping JSON and HLS honour them: each clip plays from
the keyframe at its `clip_from_ms` (the file start when None) for `duration_ms`. Video samples are
concatenated in decode order, each clip's composition placed right after the previous clip's; an
edit list skips from the first keyframe to the requested start and ends at the requested end.
Audio follows each clip's video: every clip restarts from the audio sample nearest to where its
video starts (within `AUDIO_SLACK_SECONDS`), so drift never accumulates across segments.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from frigate_media.file_identity import FileIdentity
from frigate_media.mp4 import writer
from frigate_media.mp4.errors import CannotAssemble, Reason
from frigate_media.mp4.reader import Ints, MediaFile, Track, identity_of, read_media
from frigate_media.mp4.virtual import SourceRange, VirtualMp4

FORMAT_VERSION = "vmp4-1"  # part of the ETag: bump when the output bytes change
# Lip sync within broadcast tolerance (ITU-R BT.1359: audio at most 45 ms early, 125 ms late).
AUDIO_SLACK_SECONDS = 0.1
DEFAULT_MAX_MOOV_BYTES = 64 * 1024 * 1024
EPSILON = 1e-6  # seconds: below any tick we meet, above float noise


class ClipLike(Protocol):
    """One clip of a VOD plan (`services.recordings.vod.PlannedClip` fits)."""

    @property
    def path(self) -> str: ...
    @property
    def recording_start(self) -> float: ...
    @property
    def clip_from_ms(self) -> int | None: ...
    @property
    def duration_ms(self) -> int: ...


class PlanLike(Protocol):
    """A VOD plan: the requested start and the clips in play order (`VodPlan` fits)."""

    @property
    def start(self) -> float: ...
    @property
    def clips(self) -> Sequence[ClipLike]: ...


class TableSource(Protocol):
    """Where sample tables come from: the index (`SampleIndex`) or the files (`FileTables`)."""

    def load(self, identities: Sequence[FileIdentity]) -> list[MediaFile]: ...


def plan_identities(plan: PlanLike) -> list[FileIdentity]:
    """The identity of every clip's file, as it is now. Blocking (stat)."""
    return [identity_of(clip.path) for clip in plan.clips]


def plan_etag(plan: PlanLike, identities: Sequence[FileIdentity]) -> str:
    """A strong ETag (quoted) from the start, each clip's cut points and its file identity."""
    digest = hashlib.sha256(f"{FORMAT_VERSION}|{round(plan.start * 1000)}".encode())
    for clip, identity in zip(plan.clips, identities, strict=True):
        digest.update(
            f"|{identity.path}|{identity.size}|{identity.mtime_ns}"
            f"|{clip.clip_from_ms}|{clip.duration_ms}".encode()
        )
    return f'"{digest.hexdigest()[:40]}"'


@dataclass
class _VideoCut:
    """The video samples [first, stop) of one clip, and where they sit in the output."""

    clip_index: int
    media: MediaFile
    first: int
    stop: int
    durations: Ints  # output ticks
    composition: Ints  # output ticks
    key_time: float  # movie seconds of the first sample in its file
    end: float  # movie seconds at which the clip ends in its file
    span: int = 0  # output ticks this clip presents


def _rescale(values: Ints, source: int, target: int, what: str) -> Ints:
    """`values` in `source` ticks as `target` ticks; CannotAssemble unless exact."""
    if source == target:
        return values
    scaled = values * target
    if (scaled % source).any():
        raise CannotAssemble(
            Reason.TIMESCALE, f"{what}: timescale {source} does not divide into {target}"
        )
    return scaled // source


def _check_consistent(media: list[MediaFile]) -> None:
    first = media[0]
    for other in media[1:]:
        name = other.identity.path
        if other.video.stsd_key != first.video.stsd_key:
            raise CannotAssemble(Reason.CODEC_CHANGE, f"the video description changes at {name}")
        if (other.audio is None) != (first.audio is None):
            raise CannotAssemble(Reason.CODEC_CHANGE, f"audio comes or goes at {name}")
        if other.audio and first.audio and other.audio.stsd_key != first.audio.stsd_key:
            raise CannotAssemble(Reason.CODEC_CHANGE, f"the audio description changes at {name}")


def _video_range(track: Track, start: float, end: float, path: str) -> tuple[int, int]:
    """Decode-order samples [first, stop): from the keyframe at or before `start` to the last
    sample presented before `end` (stop <= first: nothing of this clip is presented)."""
    times = track.times
    tolerance = 0.0005 + 0.5 / track.timescale  # cut points are whole milliseconds
    keys = np.flatnonzero(track.sync & (times >= track.edit_empty - EPSILON) & (times < end))
    if len(keys) == 0:
        raise CannotAssemble(Reason.CUT, f"no keyframe to start from in {path}")
    before = keys[times[keys] <= start + tolerance]
    first = int(before[-1] if len(before) else keys[0])
    shown = np.flatnonzero(times[first:] < end - EPSILON)
    stop = first + int(shown[-1]) + 1 if len(shown) else first
    return first, stop


def _video_cuts(plan: PlanLike, media: list[MediaFile], timescale: int) -> list[_VideoCut]:
    cuts: list[_VideoCut] = []
    for index, (clip, file) in enumerate(zip(plan.clips, media, strict=True)):
        track = file.video
        start = file.start + (clip.clip_from_ms or 0) / 1000
        end = min(start + clip.duration_ms / 1000, track.window_end)
        first, stop = _video_range(track, start, end, clip.path)
        if stop <= first:
            continue  # a sliver without a frame
        times = track.times[first:stop]
        key = float(times[0])
        if cuts and (times < key - EPSILON).any():
            raise CannotAssemble(Reason.CUT, f"frames shown before the keyframe in {clip.path}")
        durations = _rescale(track.durations[first:stop], track.timescale, timescale, clip.path)
        composition = _rescale(track.composition[first:stop], track.timescale, timescale, clip.path)
        cuts.append(_VideoCut(index, file, first, stop, durations, composition, key, end))
    if not cuts:
        raise CannotAssemble(Reason.EMPTY, "no video frame in the range")
    for index, cut in enumerate(cuts):
        track = cut.media.video
        times = track.times[cut.first : cut.stop]
        if index < len(cuts) - 1:
            if (times >= cut.end - EPSILON).any():
                raise CannotAssemble(
                    Reason.CUT, f"a B-frame group crosses the end of {cut.media.identity.path}"
                )
            span = int(cut.durations.sum())
        else:
            ends = times + track.durations[cut.first : cut.stop] / track.timescale
            span = round((min(cut.end, float(ends.max())) - cut.key_time) * timescale)
        if span <= 0:
            raise CannotAssemble(Reason.CUT, f"a clip of no duration in {cut.media.identity.path}")
        cut.span = span
    return cuts


def _runs(values: Ints, breaks: npt.NDArray[np.bool_]) -> tuple[Ints, Ints]:
    """(count, value) runs of `values`; `breaks` marks where a run must start anyway."""
    starts = np.flatnonzero(breaks | np.concatenate(([True], values[1:] != values[:-1])))
    counts = np.diff(np.append(starts, len(values))).astype(np.int64)
    return counts, values[starts].astype(np.int64)


class _TrackBuilder:
    """Collects one output track clip by clip (views of the source tables, nothing computed),
    then codes the whole track at once: one numpy pass however many clips there are."""

    def __init__(self, source: Track, timescale: int) -> None:
        self.source = source
        self.timescale = timescale
        self.sizes: list[Ints] = []
        self.offsets: list[Ints] = []  # output payload offsets
        self.durations: list[Ints] = []
        self.composition: list[Ints] = []
        self.sync: list[npt.NDArray[np.bool_]] = []

    def add(
        self,
        track: Track,
        first: int,
        stop: int,
        durations: Ints,
        composition: Ints,
        move: int,  # output payload offset minus source offset, for this clip
    ) -> None:
        if stop <= first:
            return
        self.sizes.append(track.sizes[first:stop])
        self.offsets.append(track.offsets[first:stop] + move)
        self.durations.append(durations)
        self.composition.append(composition)
        self.sync.append(track.sync[first:stop])

    def _joined(
        self,
    ) -> tuple[Ints, Ints, Ints, Ints, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """(sizes, offsets, durations, composition, sync, clip starts) of the whole track."""
        if not self.sizes:
            empty = np.zeros(0, np.int64)
            return empty, empty, empty, empty, np.zeros(0, bool), np.zeros(0, bool)
        lengths = [len(part) for part in self.sizes]
        clip_starts = np.zeros(sum(lengths), bool)
        clip_starts[np.cumsum([0, *lengths[:-1]])] = True
        return (
            np.concatenate(self.sizes),
            np.concatenate(self.offsets),
            np.concatenate(self.durations),
            np.concatenate(self.composition),
            np.concatenate(self.sync),
            clip_starts,
        )

    def estimated_bytes(self) -> int:
        """An upper bound of the track's tables: stsz, stts/ctts runs (8 B) as coded clip by
        clip, stss, co64 and stsc (8 + 12 B per chunk)."""
        sizes, offsets, durations, composition, sync, clip_starts = self._joined()
        if not len(sizes):
            return 0
        runs = len(_runs(durations, clip_starts)[0]) + len(_runs(composition, clip_starts)[0])
        chunks = len(_chunk_starts(sizes, offsets, clip_starts))
        syncs = int(sync.sum())
        return 4 * len(sizes) + 8 * runs + 4 * syncs + 20 * chunks

    def finish(self, track_id: int, edits: list[tuple[int, int]]) -> writer.TrackTables:
        sizes, offsets, durations, composition, sync, clip_starts = self._joined()
        starts = _chunk_starts(sizes, offsets, clip_starts)
        counts = np.diff(np.append(starts, len(sizes))).astype(np.int64)
        edges = (
            np.concatenate(([0], np.flatnonzero(np.diff(counts)) + 1)) if len(counts) else counts
        )
        edges = edges.astype(np.int64)
        no_breaks = np.zeros(len(sizes), bool)
        source = self.source
        return writer.TrackTables(
            track_id=track_id,
            kind=source.kind,
            timescale=self.timescale,
            stsd=source.stsd,
            hdlr=source.hdlr,
            media_header=source.media_header,
            language=source.language,
            volume=source.volume,
            matrix=source.matrix,
            width=source.width,
            height=source.height,
            media_duration=int(durations.sum()),
            edits=edits,
            stts=_runs(durations, no_breaks),
            ctts=_runs(composition, no_breaks),
            stss=None if sync.all() else np.flatnonzero(sync).astype(np.int64) + 1,
            stsz=[sizes.astype(">u4").tobytes()],
            stsc=(edges + 1, counts[edges].astype(np.int64)),
            chunk_offsets=offsets[starts].astype(np.int64),
            sample_count=len(sizes),
        )


def _chunk_starts(sizes: Ints, offsets: Ints, clip_starts: npt.NDArray[np.bool_]) -> Ints:
    """Where chunks start: at each clip, and wherever a sample does not follow the one before."""
    apart = np.concatenate(([True], offsets[1:] != offsets[:-1] + sizes[:-1]))
    return np.flatnonzero(apart | clip_starts)


@dataclass
class _AudioCut:
    first: int
    stop: int
    durations: Ints


def _audio_cuts(
    cuts: list[_VideoCut], skip: float, timescale: int, video_timescale: int
) -> tuple[list[_AudioCut], float, float]:
    """Per clip, the audio samples that play along; (cuts, first sample's O-time, end O-time).

    O-time is output seconds from the first clip's keyframe.
    """
    result: list[_AudioCut] = []
    cursor: float | None = None
    first_time = 0.0
    begin = 0.0  # O-time where the clip's video starts
    for cut in cuts:
        track = cut.media.audio
        assert track is not None
        times = track.times
        if len(times) > 1 and (np.diff(times) < 0).any():
            raise CannotAssemble(Reason.LAYOUT, f"audio out of order in {cut.media.identity.path}")
        end = begin + cut.span / video_timescale
        if cursor is None:
            target = cut.key_time + skip
            first = max(0, int(np.searchsorted(times, target + EPSILON, side="right")) - 1)
            cursor = first_time = float(times[first]) - cut.key_time
        else:
            target = cursor - begin + cut.key_time
            near = int(np.searchsorted(times, target))
            choices = [i for i in (near - 1, near) if 0 <= i < len(times)]
            first = min(choices, key=lambda i: abs(float(times[i]) - target))
            drift = float(times[first]) - target
            if abs(drift) > AUDIO_SLACK_SECONDS:
                raise CannotAssemble(
                    Reason.AUDIO_SYNC,
                    f"audio is {drift * 1000:+.0f} ms off its video in {cut.media.identity.path}",
                )
        seconds = track.durations[first:] / track.timescale
        starts = cursor + np.concatenate(([0.0], np.cumsum(seconds)[:-1]))
        count = int(np.searchsorted(starts, end - EPSILON, side="left"))
        stop = first + count
        durations = _rescale(
            track.durations[first:stop], track.timescale, timescale, cut.media.identity.path
        )
        result.append(_AudioCut(first, stop, durations))
        cursor += float(seconds[:count].sum())
        begin = end
    return result, first_time, cursor if cursor is not None else 0.0


def assemble(
    plan: PlanLike,
    tables: TableSource,
    *,
    identities: Sequence[FileIdentity] | None = None,
    max_moov_bytes: int = DEFAULT_MAX_MOOV_BYTES,
) -> VirtualMp4:
    """The virtual MP4 of `plan`; CannotAssemble (with its reason) when it cannot be proven right.

    `identities` (from `plan_identities`) saves a second stat of every file. Blocking.
    """
    if not plan.clips:
        raise CannotAssemble(Reason.EMPTY, "the plan has no clips")
    identities = list(identities) if identities is not None else plan_identities(plan)
    media = tables.load(identities)
    _check_consistent(media)
    head = media[0]
    timescale = head.video.timescale
    cuts = _video_cuts(plan, media, timescale)

    first_clip = plan.clips[0]
    wanted = max((first_clip.clip_from_ms or 0) / 1000, plan.start - first_clip.recording_start)
    skip_seconds = 0.0
    if cuts[0].clip_index == 0:
        skip_seconds = max(0.0, head.start + wanted - cuts[0].key_time)
    skip = round(skip_seconds * timescale)
    total = sum(cut.span for cut in cuts)
    if total - skip <= 0:
        raise CannotAssemble(Reason.EMPTY, "the range ends before its first frame")

    audio_source = head.audio
    audio_timescale = audio_source.timescale if audio_source is not None else 0
    audio_cuts: list[_AudioCut] = []
    audio_edits: list[tuple[int, int]] = []
    if audio_source is not None:
        audio_cuts, first_audio, audio_end = _audio_cuts(
            cuts, skip / timescale, audio_timescale, timescale
        )
        shown_from = max(skip / timescale, first_audio)
        shown_to = min(total / timescale, audio_end)
        if shown_to > shown_from:
            if first_audio > skip / timescale:
                audio_edits.append((round((first_audio - skip / timescale) * timescale), -1))
                media_time = 0
            else:
                media_time = round((skip / timescale - first_audio) * audio_timescale)
            audio_edits.append((round((shown_to - shown_from) * timescale), media_time))

    video = _TrackBuilder(head.video, timescale)
    audio = _TrackBuilder(audio_source, audio_timescale) if audio_edits and audio_source else None
    ranges: list[SourceRange] = []
    payload = 0
    for index, cut in enumerate(cuts):
        durations = cut.durations.copy()
        if index + 1 < len(cuts):
            following = cuts[index + 1]
            lead_change = int(cut.composition[0]) - int(following.composition[0])
            last = cut.span + lead_change - int(durations[:-1].sum())
            if last <= 0:
                where = following.media.identity.path
                raise CannotAssemble(Reason.CUT, f"clips overlap at {where}")
            durations[-1] = last
        track = cut.media.video
        lows = [int(track.offsets[cut.first : cut.stop].min())]
        highs = [int((track.offsets + track.sizes)[cut.first : cut.stop].max())]
        sound = audio_cuts[index] if audio is not None else None
        if sound is not None and sound.stop > sound.first and cut.media.audio is not None:
            ends = cut.media.audio.offsets + cut.media.audio.sizes
            lows.append(int(cut.media.audio.offsets[sound.first : sound.stop].min()))
            highs.append(int(ends[sound.first : sound.stop].max()))
        low, high = min(lows), max(highs)
        move = payload - low
        video.add(track, cut.first, cut.stop, durations, cut.composition, move)
        if audio is not None and sound is not None and cut.media.audio is not None:
            composition = np.zeros(sound.stop - sound.first, np.int64)
            audio.add(cut.media.audio, sound.first, sound.stop, sound.durations, composition, move)
        ranges.append(SourceRange(cut.media.identity, low, high))
        payload += high - low
    estimated = video.estimated_bytes() + (audio.estimated_bytes() if audio else 0)
    if estimated > max_moov_bytes:
        raise CannotAssemble(
            Reason.TOO_LARGE, f"the moov would take {estimated} bytes, past {max_moov_bytes}"
        )

    tracks = [video.finish(1, [(total - skip, int(cuts[0].composition[0]) + skip)])]
    if audio is not None:
        tracks.append(audio.finish(2, audio_edits))
    header = _header(tracks, timescale, payload, head.video.codec)
    return VirtualMp4(
        header=header,
        ranges=tuple(ranges),
        etag=plan_etag(plan, identities),
        duration=(total - skip) / timescale,
        has_audio=audio is not None,
    )


def _header(tracks: list[writer.TrackTables], timescale: int, payload: int, codec: str) -> bytes:
    """ftyp + moov + mdat header; chunk offsets 64-bit only when 32 bits cannot hold them."""
    ftyp = writer.ftyp(codec)
    mdat = writer.mdat_header(payload)
    last_chunk = max((int(t.chunk_offsets.max(initial=0)) for t in tracks), default=0)
    wide = False
    size = len(writer.moov(tracks, timescale, 0, wide))
    if len(ftyp) + size + len(mdat) + last_chunk > writer.U32_MAX:
        wide = True
        size = len(writer.moov(tracks, timescale, 0, wide))
    moov = writer.moov(tracks, timescale, len(ftyp) + size + len(mdat), wide)
    return ftyp + moov + mdat


class FileTables:
    """A `TableSource` that reads every file each time, without an index."""

    def load(self, identities: Sequence[FileIdentity]) -> list[MediaFile]:
        loaded = []
        for identity in identities:
            media = read_media(identity.path)
            if media.identity != identity:
                raise CannotAssemble(Reason.UNREADABLE, f"{identity.path} changed since the plan")
            loaded.append(media)
        return loaded
