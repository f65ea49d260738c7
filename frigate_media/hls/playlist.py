"""Render nginx-vod-style m3u8 playlists (fMP4, relative URIs carrying the request's query).

Media playlists are always closed VOD playlists, as nginx-vod's mapped mode makes them even for
a range that reaches now: a player starts at the beginning and `ffmpeg -i` ends. A client that
asks again later gets the longer list of what exists by then.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    """The one rendition: what master.m3u8 advertises."""

    bandwidth: int
    width: int
    height: int
    fps: float
    codecs: str
    index_name: str


def with_query(uri: str, query: str) -> str:
    """`uri` with the request's query string (Home Assistant's authSig must reach every URI)."""
    return f"{uri}?{query}" if query else uri


def render_master(variant: Variant, query: str) -> str:
    attributes = [
        "PROGRAM-ID=1",
        f"BANDWIDTH={max(1, variant.bandwidth)}",
        f"RESOLUTION={variant.width}x{variant.height}",
    ]
    if variant.fps > 0:
        attributes.append(f"FRAME-RATE={variant.fps:.3f}")
    attributes.append(f'CODECS="{variant.codecs}"')
    lines = [
        "#EXTM3U",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        "#EXT-X-STREAM-INF:" + ",".join(attributes),
        with_query(variant.index_name, query),
    ]
    return "\n".join(lines) + "\n"


def render_media(
    durations: Sequence[float],
    *,
    tracks: str,
    query: str,
    discontinuity: bool,
) -> str:
    """A closed VOD media playlist: one `seg-N-<tracks>.m4s` per duration, N from 1."""
    target = max(1, math.ceil(max(round(d, 3) for d in durations))) if durations else 1
    lines = [
        "#EXTM3U",
        f"#EXT-X-TARGETDURATION:{target}",
        "#EXT-X-VERSION:6",
        "#EXT-X-MEDIA-SEQUENCE:1",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        "#EXT-X-PLAYLIST-TYPE:VOD",
    ]
    lines.append(f'#EXT-X-MAP:URI="{with_query(f"init-{tracks}.mp4", query)}"')
    for number, duration in enumerate(durations, start=1):
        if discontinuity and number > 1:
            lines.append("#EXT-X-DISCONTINUITY")
        lines.append(f"#EXTINF:{duration:.3f},")
        lines.append(with_query(f"seg-{number}-{tracks}.m4s", query))
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"
