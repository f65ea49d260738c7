"""A strict m3u8 parser for the playlists we serve, and top-level MP4 box listing."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av

from tests.support.db import add_recording

MASTER_TAGS = {"#EXTM3U", "#EXT-X-INDEPENDENT-SEGMENTS", "#EXT-X-STREAM-INF"}
MEDIA_TAGS = {
    "#EXTM3U",
    "#EXT-X-TARGETDURATION",
    "#EXT-X-VERSION",
    "#EXT-X-MEDIA-SEQUENCE",
    "#EXT-X-INDEPENDENT-SEGMENTS",
    "#EXT-X-PLAYLIST-TYPE",
    "#EXT-X-MAP",
    "#EXTINF",
    "#EXT-X-DISCONTINUITY",
    "#EXT-X-ENDLIST",
}


class PlaylistError(AssertionError):
    """The text is not a playlist we would accept from nginx-vod."""


@dataclass
class Segment:
    uri: str
    duration: float
    discontinuity: bool


@dataclass
class MediaPlaylist:
    target_duration: int
    version: int
    media_sequence: int
    map_uri: str
    playlist_type: str | None
    ended: bool
    independent: bool
    segments: list[Segment] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(segment.duration for segment in self.segments)


@dataclass
class MasterPlaylist:
    attributes: dict[str, str]
    uri: str


def _tag(line: str) -> tuple[str, str]:
    name, _, value = line.partition(":")
    return name, value


def _attributes(text: str) -> dict[str, str]:
    """KEY=value,KEY="quoted, value" as a dict (quotes removed)."""
    result: dict[str, str] = {}
    position = 0
    while position < len(text):
        equals = text.index("=", position)
        key = text[position:equals]
        if not key or not key.replace("-", "").isalnum() or not key.isupper():
            raise PlaylistError(f"bad attribute name {key!r}")
        if text[equals + 1] == '"':
            close = text.index('"', equals + 2)
            value = text[equals + 2 : close]
            position = close + 1
        else:
            comma = text.find(",", equals)
            close = len(text) if comma == -1 else comma
            value = text[equals + 1 : close]
            position = close
        if key in result:
            raise PlaylistError(f"duplicate attribute {key}")
        result[key] = value
        if position < len(text):
            if text[position] != ",":
                raise PlaylistError(f"expected ',' in {text!r}")
            position += 1
    return result


def _lines(text: str) -> list[str]:
    if not text.endswith("\n"):
        raise PlaylistError("playlist must end with a newline")
    lines = text.split("\n")[:-1]
    if not lines or lines[0] != "#EXTM3U":
        raise PlaylistError("first line must be #EXTM3U")
    for line in lines:
        if line != line.strip() or not line:
            raise PlaylistError(f"blank or padded line {line!r}")
    return lines


def parse_master(text: str) -> MasterPlaylist:
    lines = _lines(text)
    stream: dict[str, str] | None = None
    uri: str | None = None
    for line in lines[1:]:
        if line.startswith("#"):
            name, value = _tag(line)
            if name not in MASTER_TAGS:
                raise PlaylistError(f"unknown master tag {name}")
            if name == "#EXT-X-STREAM-INF":
                if stream is not None:
                    raise PlaylistError("more than one variant")
                stream = _attributes(value)
        else:
            if stream is None or uri is not None:
                raise PlaylistError(f"URI without EXT-X-STREAM-INF: {line}")
            uri = line
    if stream is None or uri is None:
        raise PlaylistError("no variant")
    for key in ("BANDWIDTH", "RESOLUTION", "CODECS"):
        if key not in stream:
            raise PlaylistError(f"EXT-X-STREAM-INF without {key}")
    int(stream["BANDWIDTH"])
    width, height = stream["RESOLUTION"].split("x")
    int(width), int(height)
    return MasterPlaylist(stream, uri)


def parse_media(text: str) -> MediaPlaylist:
    """Every tag known, each once where it must be; EXTINF before each URI; MAP before segments."""
    lines = _lines(text)
    seen: dict[str, str] = {}
    segments: list[Segment] = []
    pending: float | None = None
    discontinuity = False
    ended = False
    for line in lines[1:]:
        if ended:
            raise PlaylistError(f"content after #EXT-X-ENDLIST: {line}")
        if not line.startswith("#"):
            if pending is None:
                raise PlaylistError(f"URI without #EXTINF: {line}")
            if "#EXT-X-MAP" not in seen:
                raise PlaylistError("segment before #EXT-X-MAP")
            if "/" in line.split("?")[0] or line.startswith("http"):
                raise PlaylistError(f"URI is not relative to the playlist: {line}")
            segments.append(Segment(line, pending, discontinuity))
            pending, discontinuity = None, False
            continue
        name, value = _tag(line)
        if name not in MEDIA_TAGS:
            raise PlaylistError(f"unknown media tag {name}")
        if name == "#EXTINF":
            if pending is not None:
                raise PlaylistError("two #EXTINF in a row")
            duration, comma, _title = value.partition(",")
            if not comma or len(duration.split(".")[-1]) != 3:
                raise PlaylistError(f"EXTINF must be %.3f followed by a comma: {line}")
            pending = float(duration)
            if pending <= 0:
                raise PlaylistError(f"non-positive duration: {line}")
        elif name == "#EXT-X-DISCONTINUITY":
            if not segments:
                raise PlaylistError("discontinuity before the first segment")
            discontinuity = True
        elif name == "#EXT-X-ENDLIST":
            ended = True
        else:
            if name in seen:
                raise PlaylistError(f"{name} twice")
            if segments or pending is not None:
                raise PlaylistError(f"{name} after the first segment")
            seen[name] = value
    if pending is not None:
        raise PlaylistError("#EXTINF without a URI at the end")
    for required in (
        "#EXT-X-TARGETDURATION",
        "#EXT-X-VERSION",
        "#EXT-X-MEDIA-SEQUENCE",
        "#EXT-X-MAP",
    ):
        if required not in seen:
            raise PlaylistError(f"missing {required}")
    map_attributes = _attributes(seen["#EXT-X-MAP"])
    if set(map_attributes) != {"URI"}:
        raise PlaylistError("EXT-X-MAP must carry only URI")
    playlist = MediaPlaylist(
        target_duration=int(seen["#EXT-X-TARGETDURATION"]),
        version=int(seen["#EXT-X-VERSION"]),
        media_sequence=int(seen["#EXT-X-MEDIA-SEQUENCE"]),
        map_uri=map_attributes["URI"],
        playlist_type=seen.get("#EXT-X-PLAYLIST-TYPE"),
        ended=ended,
        independent="#EXT-X-INDEPENDENT-SEGMENTS" in seen,
        segments=segments,
    )
    if playlist.playlist_type not in (None, "VOD", "EVENT"):
        raise PlaylistError(f"bad playlist type {playlist.playlist_type}")
    for segment in segments:
        if round(segment.duration) > playlist.target_duration:
            raise PlaylistError("a segment is longer than #EXT-X-TARGETDURATION")
    return playlist


def top_level_boxes(data: bytes) -> list[str]:
    """The top-level box types of an MP4 byte string (asserting the sizes add up)."""
    kinds: list[str] = []
    offset = 0
    while offset < len(data):
        size, kind = struct.unpack_from(">I4s", data, offset)
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, offset + 8)
        assert size >= 8 and offset + size <= len(data), f"bad box size at {offset}"
        kinds.append(kind.decode("latin-1"))
        offset += size
    return kinds


def first_tfdt_seconds(data: bytes, timescale: int) -> float:
    """The base media decode time of the first track fragment, in seconds."""
    index = data.index(b"tfdt")
    version = data[index + 4]
    if version == 1:
        (value,) = struct.unpack_from(">Q", data, index + 8)
    else:
        (value,) = struct.unpack_from(">I", data, index + 8)
    return value / timescale


def record_clips(
    db_path: Path, recordings_dir: Path, camera: str, start: float, clip: Path, count: int
) -> list[Path]:
    """`count` contiguous 10-s recordings of `clip` for `camera` from `start` (Frigate layout)."""
    return [
        add_recording(db_path, recordings_dir, camera, start + 10 * index, clip, 10.0)
        for index in range(count)
    ]


def probe_file(path: Path) -> dict[str, Any]:
    """Duration per stream kind and the video frame count of a file, read with PyAV."""
    result: dict[str, Any] = {}
    with av.open(str(path)) as container:
        for stream in container.streams:
            if stream.type not in ("video", "audio"):
                continue
            packets = [p for p in container.demux(stream) if p.pts is not None]
            container.seek(0)
            first = min(p.pts for p in packets) * stream.time_base
            last = max(p.pts + (p.duration or 0) for p in packets) * stream.time_base
            result[stream.type] = {
                "duration": float(last - first),
                "packets": len(packets),
                "codec": stream.codec_context.name,
            }
    return result
