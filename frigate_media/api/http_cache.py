"""HTTP caching has one owner: named Cache-Control policies, ETags, conditional requests, ranges.

Services say what they return (bytes, or a file and its stat; a content key; whether it is live,
still growing or ended); this module decides what clients and proxies may do with it. Every
Cache-Control a route sends is one of the named policies below (the values are Frigate's, pinned
by tests), every ETag is a quoted content key or a file's stat, one matcher answers
If-None-Match, and a Range is checked here before Starlette serves it, so a bad one gets the
same JSON 400/416 as every other error.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Any, Protocol

from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.types import Receive, Scope, Send

from frigate_media.api import media_types
from frigate_media.api.streaming import ClosingStreamingResponse
from frigate_media.context import ClipBytes
from frigate_media.errors import BadRequest, NotFound, RangeNotSatisfiable
from frigate_media.services.recordings.clips import ClipBody

# ---- policies --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """A named Cache-Control decision; `value` None sends no Cache-Control (where Frigate sends
    none, so a proxy's own rule applies)."""

    name: str
    value: str | None

    def headers(self) -> dict[str, str]:
        return {} if self.value is None else {"Cache-Control": self.value}


def private_max_age(seconds: int) -> str:
    return f"private, max-age={seconds}"


YEAR = 31_536_000
THUMBNAIL_MAX_AGE = 2_592_000  # Frigate's default ?max_cache_age of thumbnail.<ext>: 30 days
GIF_MAX_AGE = 2_592_000  # Frigate's default for preview.gif: 30 days
MP4_MAX_AGE = 604_800  # Frigate's default for preview.mp4: 7 days
GROWING_HOUR_MAX_AGE = 60  # a preview showing the still-growing current hour: a minute at most

# The newest frame: never kept, unless the client asks (`store=1`, the UI's periodic mode).
LIVE_FRAME = CachePolicy("LIVE_FRAME", "no-store")
STORED_LIVE_FRAME = CachePolicy("STORED_LIVE_FRAME", private_max_age(60))
# A frame of a recording: the recording can still be replaced or expire, so a minute.
RECORDED_FRAME = CachePolicy("RECORDED_FRAME", private_max_age(60))
# Event images: kept for a year once the event has ended, never while it runs.
ENDED_EVENT_IMAGE = CachePolicy("ENDED_EVENT_IMAGE", private_max_age(YEAR))
EVENT_IN_PROGRESS = CachePolicy("EVENT_IN_PROGRESS", "no-store")
# The clean copy of a running event is revalidated instead (Frigate's later fix, spec §8).
CLEAN_SNAPSHOT_IN_PROGRESS = CachePolicy("CLEAN_SNAPSHOT_IN_PROGRESS", "no-cache")
# `/{camera}/{label}/thumbnail.jpg` names whichever event is newest: a minute, even when ended.
ENDED_LABEL_THUMBNAIL = CachePolicy("ENDED_LABEL_THUMBNAIL", private_max_age(60))
NO_EVENT_THUMBNAIL = CachePolicy("NO_EVENT_THUMBNAIL", "no-store")
NO_EVENT_SNAPSHOT = CachePolicy("NO_EVENT_SNAPSHOT", None)  # Frigate sends no Cache-Control
# A cached preview frame file never changes once written.
PREVIEW_FRAME = CachePolicy("PREVIEW_FRAME", private_max_age(YEAR))
# A clip of known bytes (the virtual MP4, or the ffmpeg path's Range file) is revalidated with
# its content ETag; a clip streamed by ffmpeg as it is made is never kept.
CLIP_FILE = CachePolicy("CLIP_FILE", "private, no-cache")
CLIP_STREAM = CachePolicy("CLIP_STREAM", "no-store")
# Playlists and segments, as nginx-vod's location sends them (`add_header Cache-Control no-store`).
HLS = CachePolicy("HLS", "no-store")
# Files under the media dir, by root.
STATIC_CLIPS = CachePolicy("STATIC_CLIPS", private_max_age(604_800))
STATIC_RECORDINGS = CachePolicy("STATIC_RECORDINGS", private_max_age(86_400))
STATIC_EXPORTS = CachePolicy("STATIC_EXPORTS", private_max_age(86_400))
STATIC_ROOTS = {"clips": STATIC_CLIPS, "recordings": STATIC_RECORDINGS, "exports": STATIC_EXPORTS}


def live_frame(*, store: bool) -> CachePolicy:
    return STORED_LIVE_FRAME if store else LIVE_FRAME


def event_snapshot(*, ended: bool) -> CachePolicy:
    """`snapshot.jpg` of an event (and of a label's newest event)."""
    return ENDED_EVENT_IMAGE if ended else EVENT_IN_PROGRESS


def clean_snapshot(*, ended: bool) -> CachePolicy:
    return ENDED_EVENT_IMAGE if ended else CLEAN_SNAPSHOT_IN_PROGRESS


def event_thumbnail(*, ended: bool, max_age: int) -> CachePolicy:
    """`thumbnail.<ext>`: the client's `max_cache_age` once ended (the route bounds it)."""
    if not ended:
        return EVENT_IN_PROGRESS
    return CachePolicy("ENDED_EVENT_THUMBNAIL", private_max_age(max_age))


def label_thumbnail(*, ended: bool) -> CachePolicy:
    return ENDED_LABEL_THUMBNAIL if ended else EVENT_IN_PROGRESS


def preview(*, growing: bool, max_age: int) -> CachePolicy:
    """`preview.gif`/`.mp4`: the asked max age; a minute at most while it shows the growing hour."""
    max_age = max(0, max_age)
    if growing:
        capped = min(max_age, GROWING_HOUR_MAX_AGE)
        return CachePolicy("PREVIEW_OF_GROWING_HOUR", private_max_age(capped))
    return CachePolicy("PREVIEW", private_max_age(max_age))


def static_file(root: str) -> CachePolicy:
    return STATIC_ROOTS[root]


# ---- validators ------------------------------------------------------------------------------


def etag(key: str) -> str:
    """The strong ETag of a content key (same key, same bytes)."""
    return f'"{key}"'


def file_etag(stat: os.stat_result) -> str:
    """The ETag of a file that is replaced, never rewritten in place: its size and mtime."""
    return etag(f"{stat.st_size:x}-{stat.st_mtime_ns:x}")


def validated(
    policy: CachePolicy, tag: str, headers: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Headers of a response with a validator: its policy, the route's own headers, the ETag."""
    return {**policy.headers(), **(headers or {}), "ETag": tag}


def last_modified(stat: os.stat_result) -> str:
    """`Last-Modified` exactly as Starlette's FileResponse writes it."""
    return formatdate(stat.st_mtime, usegmt=True)


def matches(if_none_match: str | None, tag: str) -> bool:
    """If-None-Match's weak comparison: any listed tag (W/ or not) or `*` matches."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        listed = candidate.strip().removeprefix("W/")
        if listed == tag or listed == "*":
            return True
    return False


def range_applies(if_range: str | None, tag: str, modified: str | None) -> bool:
    """Whether a Range is honoured: no If-Range, or one naming this version (Starlette's rule:
    a strong ETag or the exact Last-Modified; a weak tag never)."""
    if if_range is None:
        return True
    return not if_range.startswith("W/") and if_range in (tag, modified)


MAX_RANGES = 20
_SPEC = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


def parse_ranges(header: str, size: int) -> list[tuple[int, int]]:
    """The [start, end) byte spans of a `bytes=` header over `size` bytes, sorted and merged.

    BadRequest when malformed, RangeNotSatisfiable when a part starts past the end (like
    Starlette's FileResponse, which serves files: any such part fails the whole).
    """
    units, _, specs = header.partition("=")
    if units.strip().lower() != "bytes" or not specs.strip():
        raise BadRequest("Malformed Range header: only bytes ranges are supported")
    parts = [part for part in specs.split(",") if part.strip()]
    if not parts or len(parts) > MAX_RANGES:
        raise BadRequest("Malformed Range header")
    spans: list[tuple[int, int]] = []
    satisfiable = True
    for part in parts:
        match = _SPEC.match(part)
        if match is None or (not match.group(1) and not match.group(2)):
            raise BadRequest("Malformed Range header")
        first, last = match.group(1), match.group(2)
        if first and last and int(last) < int(first):
            raise BadRequest("Malformed Range header: the end is before the start")
        if first:
            start = int(first)
            satisfiable = satisfiable and start < size
            spans.append((start, min(int(last) + 1, size) if last else size))
        else:
            suffix = int(last)
            satisfiable = satisfiable and suffix > 0 and size > 0
            spans.append((max(size - suffix, 0), size))
    if not satisfiable:
        raise RangeNotSatisfiable(size)
    spans.sort()
    merged = [spans[0]]
    for start, end in spans[1:]:
        if start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def check_range(header: str, size: int) -> None:
    """Raise BadRequest for a malformed `bytes=` header, RangeNotSatisfiable past the end."""
    parse_ranges(header, size)


# ---- responses -------------------------------------------------------------------------------


def respond(
    body: bytes, media_type: str, policy: CachePolicy, headers: Mapping[str, str] | None = None
) -> Response:
    """Bytes made for this request, under `policy`, with the route's other headers."""
    return Response(body, media_type=media_type, headers={**policy.headers(), **(headers or {})})


def not_modified(headers: Mapping[str, str]) -> Response:
    """304: the client's copy is current; the validators and policy are repeated, no body."""
    return Response(status_code=304, headers=headers)


class Held(Protocol):
    """Something a response holds while it is sent (a cache file's pin, `bounded.Lease`)."""

    def release(self) -> None: ...


class HeldFileResponse(FileResponse):
    """A file response that releases what it holds once sent, failed or abandoned."""

    def __init__(self, *args: Any, held: Held, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held = held

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.held.release()


async def file_response(
    request_headers: Headers,
    path: Path,
    policy: CachePolicy,
    *,
    media_type: str,
    stat: os.stat_result | None = None,
    tag: str | None = None,
    headers: Mapping[str, str] | None = None,
    chunk_size: int | None = None,
    held: Held | None = None,
) -> Response:
    """Serve `path` whole, as a 206 range, or as 304 when the client already has it.

    `tag` is the ETag (a content key's, see `etag`); without one the file's stat names it.
    `held` (a cache file's pin) is released when the response is over, or at once when no
    file body is sent.
    """
    try:
        response = await _file_response(
            request_headers, path, policy, media_type, stat, tag, headers, held
        )
    except BaseException:
        if held is not None:
            held.release()
        raise
    if chunk_size is not None and isinstance(response, FileResponse):
        response.chunk_size = chunk_size
    return response


async def _file_response(
    request_headers: Headers,
    path: Path,
    policy: CachePolicy,
    media_type: str,
    stat: os.stat_result | None,
    tag: str | None,
    headers: Mapping[str, str] | None,
    held: Held | None,
) -> Response:
    if stat is None:
        try:
            stat = await asyncio.to_thread(os.stat, path)
        except FileNotFoundError:
            raise NotFound("File not found") from None
    tag = tag or file_etag(stat)
    all_headers = {**validated(policy, tag, headers), "Accept-Ranges": "bytes"}
    if matches(request_headers.get("if-none-match"), tag):
        if held is not None:
            held.release()
        return not_modified(all_headers)
    range_header = request_headers.get("range")
    if range_header is not None and range_applies(
        request_headers.get("if-range"), tag, last_modified(stat)
    ):
        check_range(range_header, stat.st_size)
    if held is None:
        return FileResponse(path, media_type=media_type, headers=all_headers, stat_result=stat)
    return HeldFileResponse(
        path, media_type=media_type, headers=all_headers, stat_result=stat, held=held
    )


async def clip_response(
    request_headers: Headers, body: ClipBody, headers: Mapping[str, str] | None = None
) -> Response:
    """A clip as the service made it: bytes read by range (the virtual MP4 or a cached file:
    Content-Length, ETag, If-None-Match, Range and If-Range), or ffmpeg's fragmented stream."""
    mp4 = media_types.of_format("mp4")
    if body.sized is not None:
        return await sized_response(
            request_headers, body.sized, CLIP_FILE, etag(body.key), media_type=mp4, headers=headers
        )
    assert body.stream is not None
    all_headers = {**CLIP_STREAM.headers(), **(headers or {})}
    return ClosingStreamingResponse(body.stream, media_type=mp4, headers=all_headers)


async def sized_response(
    request_headers: Headers,
    body: ClipBytes,
    policy: CachePolicy,
    tag: str,
    *,
    media_type: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Serve bytes of a known size read by range: whole (200), one span (206), or 304.

    Several ranges are answered with the one span that covers them all (RFC 9110 lets a server
    coalesce ranges), never with a multipart body. `body` is closed when the answer ends.
    """
    try:
        all_headers = {**validated(policy, tag, headers), "Accept-Ranges": "bytes"}
        if matches(request_headers.get("if-none-match"), tag):
            await asyncio.to_thread(body.close)
            return not_modified(all_headers)
        start, end, status = 0, body.size, 200
        range_header = request_headers.get("range")
        if range_header is not None and range_applies(request_headers.get("if-range"), tag, None):
            spans = parse_ranges(range_header, body.size)
            start, end, status = spans[0][0], spans[-1][1], 206
            all_headers["Content-Range"] = f"bytes {start}-{end - 1}/{body.size}"
        all_headers["Content-Length"] = str(end - start)
        chunks = await _primed_range(body, start, end)
    except BaseException:
        await asyncio.to_thread(body.close)
        raise
    return ClosingStreamingResponse(
        chunks, status_code=status, media_type=media_type, headers=all_headers
    )


async def _primed_range(body: ClipBytes, start: int, end: int) -> _RangeChunks:
    """The span's chunks, each read on a thread; the first is read before answering, so a source
    that is gone is a JSON error rather than a short body."""
    chunks = _RangeChunks(body, body.iter_range(start, end))
    try:
        first = await anext(chunks, None)
    except BaseException:
        await chunks.aclose()
        raise
    chunks.push_back(first)
    return chunks


class _RangeChunks:
    """Chunks of a blocking reader, each read on a thread; `aclose` waits for a read under way,
    then closes the reader and lets the body go (also when iteration never started)."""

    def __init__(self, body: ClipBytes, reader: Iterator[bytes]) -> None:
        self._body = body
        self._reader = reader
        self._first: bytes | None = None
        self._pending: asyncio.Future[bytes | None] | None = None
        self._closed = False

    def push_back(self, chunk: bytes | None) -> None:
        self._first = chunk

    def __aiter__(self) -> _RangeChunks:
        return self

    async def __anext__(self) -> bytes:
        if self._first is not None:
            chunk, self._first = self._first, None
            return chunk
        if self._closed:
            raise StopAsyncIteration
        loop = asyncio.get_running_loop()
        self._pending = loop.run_in_executor(None, next, self._reader, None)
        # Shielded: a cancelled request leaves the read to finish, and aclose waits for it.
        result = await asyncio.shield(self._pending)
        if result is None:
            raise StopAsyncIteration
        return result

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._pending is not None and not self._pending.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(self._pending)
        await asyncio.to_thread(_finish, self._reader, self._body)


def _finish(reader: Iterator[bytes], body: ClipBytes) -> None:
    try:
        close = getattr(reader, "close", None)
        if close is not None:
            close()
    finally:
        body.close()
