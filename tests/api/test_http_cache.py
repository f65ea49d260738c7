"""The one owner of HTTP caching: named policies, ETags, If-None-Match, If-Range and Range."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient
from starlette.datastructures import Headers
from starlette.responses import FileResponse

from frigate_media.api import http_cache
from frigate_media.api.errors import install_error_handlers
from frigate_media.api.http_cache import CachePolicy
from frigate_media.errors import BadRequest, RangeNotSatisfiable
from frigate_media.services.recordings.clips import ClipBody

# Every named policy and the Cache-Control it sends. These are Frigate's values (upstream.md,
# clients.md): changing one changes what browsers, Home Assistant and nginx keep.
POLICIES = {
    "LIVE_FRAME": "no-store",
    "STORED_LIVE_FRAME": "private, max-age=60",
    "RECORDED_FRAME": "private, max-age=60",
    "ENDED_EVENT_IMAGE": "private, max-age=31536000",
    "EVENT_IN_PROGRESS": "no-store",
    "CLEAN_SNAPSHOT_IN_PROGRESS": "no-cache",
    "ENDED_LABEL_THUMBNAIL": "private, max-age=60",
    "NO_EVENT_THUMBNAIL": "no-store",
    "NO_EVENT_SNAPSHOT": None,
    "PREVIEW_FRAME": "private, max-age=31536000",
    "CLIP_FILE": "private, no-cache",
    "CLIP_STREAM": "no-store",
    "HLS": "no-store",
    "STATIC_CLIPS": "private, max-age=604800",
    "STATIC_RECORDINGS": "private, max-age=86400",
    "STATIC_EXPORTS": "private, max-age=86400",
}


# ------------------------------------------------------------------ policies


@pytest.mark.parametrize(("name", "value"), POLICIES.items())
def test_each_named_policy_sends_frigates_cache_control(name: str, value: str | None) -> None:
    policy = getattr(http_cache, name)
    assert isinstance(policy, CachePolicy)
    assert policy.name == name
    assert policy.value == value
    assert policy.headers() == ({} if value is None else {"Cache-Control": value})


def test_every_constant_policy_is_in_the_table() -> None:
    named = {name for name, value in vars(http_cache).items() if isinstance(value, CachePolicy)}
    assert named == set(POLICIES)


def test_a_live_frame_is_kept_only_when_the_client_asks_to_store_it() -> None:
    assert http_cache.live_frame(store=False) is http_cache.LIVE_FRAME
    assert http_cache.live_frame(store=True) is http_cache.STORED_LIVE_FRAME


def test_event_images_are_kept_a_year_once_ended_and_never_while_running() -> None:
    assert http_cache.event_snapshot(ended=True) is http_cache.ENDED_EVENT_IMAGE
    assert http_cache.event_snapshot(ended=False) is http_cache.EVENT_IN_PROGRESS
    assert http_cache.clean_snapshot(ended=True) is http_cache.ENDED_EVENT_IMAGE
    assert http_cache.clean_snapshot(ended=False) is http_cache.CLEAN_SNAPSHOT_IN_PROGRESS
    assert http_cache.label_thumbnail(ended=True) is http_cache.ENDED_LABEL_THUMBNAIL
    assert http_cache.label_thumbnail(ended=False) is http_cache.EVENT_IN_PROGRESS


def test_an_ended_thumbnail_is_kept_as_long_as_the_client_asked() -> None:
    ended = http_cache.event_thumbnail(ended=True, max_age=120)
    assert (ended.name, ended.value) == ("ENDED_EVENT_THUMBNAIL", "private, max-age=120")
    assert http_cache.event_thumbnail(ended=False, max_age=120) is http_cache.EVENT_IN_PROGRESS


@pytest.mark.parametrize(
    ("growing", "asked", "name", "value"),
    [
        (False, http_cache.GIF_MAX_AGE, "PREVIEW", "private, max-age=2592000"),
        (False, http_cache.MP4_MAX_AGE, "PREVIEW", "private, max-age=604800"),
        (False, 120, "PREVIEW", "private, max-age=120"),
        (True, http_cache.GIF_MAX_AGE, "PREVIEW_OF_GROWING_HOUR", "private, max-age=60"),
        (True, 30, "PREVIEW_OF_GROWING_HOUR", "private, max-age=30"),
        (False, -5, "PREVIEW", "private, max-age=0"),
        (True, -5, "PREVIEW_OF_GROWING_HOUR", "private, max-age=0"),
    ],
)
def test_a_preview_of_the_growing_hour_is_kept_a_minute_at_most(
    growing: bool, asked: int, name: str, value: str
) -> None:
    policy = http_cache.preview(growing=growing, max_age=asked)
    assert (policy.name, policy.value) == (name, value)


def test_static_media_policy_follows_its_root() -> None:
    assert http_cache.static_file("clips") is http_cache.STATIC_CLIPS
    assert http_cache.static_file("recordings") is http_cache.STATIC_RECORDINGS
    assert http_cache.static_file("exports") is http_cache.STATIC_EXPORTS


def test_a_policy_without_a_value_sends_no_cache_control() -> None:
    response = http_cache.respond(b"x", "image/jpeg", http_cache.NO_EVENT_SNAPSHOT)
    assert "cache-control" not in response.headers
    response = http_cache.respond(b"x", "image/jpeg", http_cache.RECORDED_FRAME, {"X-A": "1"})
    assert response.headers["cache-control"] == "private, max-age=60"
    assert response.headers["x-a"] == "1"


# ------------------------------------------------------------------ validators


def test_an_etag_quotes_the_content_key_and_a_files_names_its_size_and_mtime(
    tmp_path: Path,
) -> None:
    assert http_cache.etag("abc123") == '"abc123"'
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 300)
    os.utime(path, ns=(0, 0x1234))
    assert http_cache.file_etag(path.stat()) == '"12c-1234"'


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ('"x",W/"abc" ', True),
        ("*", True),
        ('"abcd"', False),
        ('"ab"', False),
        ("abc", False),
    ],
)
def test_if_none_match_uses_the_weak_comparison(header: str | None, expected: bool) -> None:
    assert http_cache.matches(header, '"abc"') is expected


@pytest.mark.parametrize(
    ("if_range", "expected"),
    [
        (None, True),
        ('"abc"', True),
        ("Tue, 14 Nov 2023 22:13:20 GMT", True),
        ('W/"abc"', False),
        ('"other"', False),
        ("Wed, 15 Nov 2023 22:13:20 GMT", False),
    ],
)
def test_if_range_honours_a_range_only_for_this_version(
    if_range: str | None, expected: bool
) -> None:
    modified = "Tue, 14 Nov 2023 22:13:20 GMT"
    assert http_cache.range_applies(if_range, '"abc"', modified) is expected


@pytest.mark.parametrize(
    "header", ["bytes=0-0", "bytes=5-", "bytes=-3", "bytes=0-1, 4-6", "BYTES=2-9"]
)
def test_a_satisfiable_range_passes(header: str) -> None:
    http_cache.check_range(header, 10)


TOO_MANY = "bytes=" + ",".join(["0-1"] * (http_cache.MAX_RANGES + 1))


@pytest.mark.parametrize(
    "header", ["lines=1-2", "bytes=", "bytes=-", "bytes=a-b", "bytes=5-2", "bytes=1", TOO_MANY]
)
def test_a_malformed_range_is_a_bad_request(header: str) -> None:
    with pytest.raises(BadRequest):
        http_cache.check_range(header, 10)


@pytest.mark.parametrize(("header", "size"), [("bytes=10-", 10), ("bytes=-0", 10), ("bytes=-5", 0)])
def test_a_range_past_the_end_is_not_satisfiable(header: str, size: int) -> None:
    with pytest.raises(RangeNotSatisfiable) as raised:
        http_cache.check_range(header, size)
    assert raised.value.headers == {"Content-Range": f"bytes */{size}"}


# ------------------------------------------------------------------ responses over HTTP


class BytesBody:
    """`ClipBytes` over bytes in memory, counting what was read and whether it was let go."""

    def __init__(self, data: bytes, chunk: int = 100) -> None:
        self.data = data
        self.chunk = chunk
        self.reads: list[tuple[int, int]] = []
        self.closed = 0

    @property
    def size(self) -> int:
        return len(self.data)

    def iter_range(self, start: int, end: int) -> Iterator[bytes]:
        for first in range(start, end, self.chunk):
            last = min(end, first + self.chunk)
            self.reads.append((first, last))
            yield self.data[first:last]

    def close(self) -> None:
        self.closed += 1


DATA = bytes(range(256)) * 4


@pytest.fixture
def served(tmp_path: Path) -> tuple[TestClient, Path]:
    """A real app with the project's error handler serving one file and one clip either way."""
    path = tmp_path / "media.mp4"
    path.write_bytes(DATA)
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/file")
    async def file(request: Request) -> Response:
        return await http_cache.file_response(
            request.headers,
            path,
            http_cache.STATIC_RECORDINGS,
            media_type="video/mp4",
            headers={"X-Extra": "kept"},
        )

    @app.get("/gone")
    async def gone(request: Request) -> Response:
        missing = tmp_path / "missing.mp4"
        return await http_cache.file_response(
            request.headers, missing, http_cache.HLS, media_type="video/mp4"
        )

    @app.get("/clip")
    async def clip(request: Request, ranged: bool = False) -> Response:
        async def chunks() -> AsyncIterator[bytes]:
            yield DATA[:100]
            yield DATA[100:]

        if ranged:
            body = ClipBody("k3y", "cam.mp4", sized=BytesBody(DATA))
        else:
            body = ClipBody("k3y", "cam.mp4", stream=chunks())
        return await http_cache.clip_response(request.headers, body, {"X-Extra": "kept"})

    return TestClient(app), path


def test_a_file_is_served_whole_with_its_validators_and_policy(
    served: tuple[TestClient, Path],
) -> None:
    client, path = served
    response = client.get("/file")
    assert response.status_code == 200
    assert response.content == DATA
    assert response.headers["etag"] == http_cache.file_etag(path.stat())
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["cache-control"] == "private, max-age=86400"
    assert response.headers["last-modified"] == http_cache.last_modified(path.stat())
    assert response.headers["x-extra"] == "kept"
    assert response.headers["content-type"] == "video/mp4"


def test_a_client_holding_the_file_gets_304_with_the_same_headers(
    served: tuple[TestClient, Path],
) -> None:
    client, _ = served
    etag = client.get("/file").headers["etag"]
    response = client.get("/file", headers={"if-none-match": f'"other", W/{etag}'})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert response.headers["cache-control"] == "private, max-age=86400"
    assert response.headers["x-extra"] == "kept"


def test_a_range_gets_exactly_its_bytes(served: tuple[TestClient, Path]) -> None:
    client, _ = served
    response = client.get("/file", headers={"range": "bytes=10-19"})
    assert response.status_code == 206
    assert response.content == DATA[10:20]
    assert response.headers["content-range"] == f"bytes 10-19/{len(DATA)}"


def test_if_range_naming_this_version_keeps_the_range_and_another_gets_the_whole_file(
    served: tuple[TestClient, Path],
) -> None:
    client, path = served
    etag = client.get("/file").headers["etag"]
    same = client.get("/file", headers={"range": "bytes=0-3", "if-range": etag})
    assert (same.status_code, same.content) == (206, DATA[:4])
    by_date = {"range": "bytes=0-3", "if-range": http_cache.last_modified(path.stat())}
    assert client.get("/file", headers=by_date).status_code == 206
    changed = client.get("/file", headers={"range": "bytes=0-3", "if-range": '"old"'})
    assert (changed.status_code, changed.content) == (200, DATA)
    # A stale If-Range means the Range is ignored, so even a malformed one is no error.
    ignored = client.get("/file", headers={"range": "bytes=9-1", "if-range": '"old"'})
    assert (ignored.status_code, ignored.content) == (200, DATA)


def test_bad_ranges_are_json_errors(served: tuple[TestClient, Path]) -> None:
    client, _ = served
    past = client.get("/file", headers={"range": f"bytes={len(DATA)}-"})
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{len(DATA)}"
    assert past.json() == {"success": False, "message": "Requested range not satisfiable"}
    malformed = client.get("/file", headers={"range": "lines=1-2"})
    assert malformed.status_code == 400
    assert malformed.json()["success"] is False


def test_a_file_gone_before_it_is_served_is_a_json_404(served: tuple[TestClient, Path]) -> None:
    client, _ = served
    response = client.get("/gone")
    assert response.status_code == 404
    assert response.json() == {"success": False, "message": "File not found"}


def test_a_chunk_size_is_kept_for_large_files(tmp_path: Path) -> None:
    path = tmp_path / "seg.m4s"
    path.write_bytes(DATA)
    response = asyncio.run(
        http_cache.file_response(
            Headers(), path, http_cache.HLS, media_type="video/mp4", chunk_size=1 << 20
        )
    )
    assert isinstance(response, FileResponse)
    assert response.chunk_size == 1 << 20


def test_a_streamed_clip_is_never_stored_and_has_no_validator(
    served: tuple[TestClient, Path],
) -> None:
    client, _ = served
    response = client.get("/clip")
    assert response.status_code == 200
    assert response.content == DATA
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-extra"] == "kept"
    assert "etag" not in response.headers


def test_a_clip_file_is_revalidated_by_its_content_key(served: tuple[TestClient, Path]) -> None:
    client, _ = served
    response = client.get("/clip?ranged=true", headers={"range": "bytes=0-9"})
    assert response.status_code == 206
    assert response.content == DATA[:10]
    assert response.headers["etag"] == '"k3y"'
    assert response.headers["cache-control"] == "private, no-cache"
    assert response.headers["x-extra"] == "kept"
    again = client.get("/clip?ranged=true", headers={"if-none-match": '"k3y"'})
    assert again.status_code == 304


def test_validated_headers_put_the_policy_the_routes_headers_and_the_etag_together() -> None:
    headers = http_cache.validated(http_cache.LIVE_FRAME, '"k"', {"X-Frigate-Offline": "true"})
    assert list(headers.items()) == [
        ("Cache-Control", "no-store"),
        ("X-Frigate-Offline", "true"),
        ("ETag", '"k"'),
    ]
    assert http_cache.validated(http_cache.NO_EVENT_SNAPSHOT, '"k"') == {"ETag": '"k"'}


# ------------------------------------------------------------------ bytes read by range


@pytest.fixture
def sized() -> tuple[TestClient, list[BytesBody]]:
    """An app serving `DATA` as bytes read by range; the bodies it made, to look at after."""
    app = FastAPI()
    install_error_handlers(app)
    bodies: list[BytesBody] = []

    @app.get("/sized")
    async def serve(request: Request) -> Response:
        body = BytesBody(DATA)
        bodies.append(body)
        return await http_cache.sized_response(
            request.headers, body, http_cache.CLIP_FILE, '"v1"', media_type="video/mp4"
        )

    return TestClient(app), bodies


def test_sized_bytes_are_served_whole_with_their_length_and_let_go(
    sized: tuple[TestClient, list[BytesBody]],
) -> None:
    client, bodies = sized
    response = client.get("/sized")
    assert (response.status_code, response.content) == (200, DATA)
    assert response.headers["content-length"] == str(len(DATA))
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"] == '"v1"'
    assert response.headers["cache-control"] == "private, no-cache"
    assert "content-range" not in response.headers
    assert bodies[-1].closed == 1


def test_a_range_of_sized_bytes_reads_only_that_range(
    sized: tuple[TestClient, list[BytesBody]],
) -> None:
    client, bodies = sized
    response = client.get("/sized", headers={"range": "bytes=250-549"})
    assert (response.status_code, response.content) == (206, DATA[250:550])
    assert response.headers["content-range"] == f"bytes 250-549/{len(DATA)}"
    assert response.headers["content-length"] == "300"
    assert bodies[-1].reads == [(250, 350), (350, 450), (450, 550)]
    assert bodies[-1].closed == 1


def test_several_ranges_get_the_one_span_covering_them(
    sized: tuple[TestClient, list[BytesBody]],
) -> None:
    client, _ = sized
    response = client.get("/sized", headers={"range": "bytes=900-909, 10-19, 15-30"})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes 10-909/{len(DATA)}"
    assert response.content == DATA[10:910]


def test_sized_bytes_honour_if_none_match_and_if_range(
    sized: tuple[TestClient, list[BytesBody]],
) -> None:
    client, bodies = sized
    cached = client.get("/sized", headers={"if-none-match": '"v1"'})
    assert (cached.status_code, cached.content) == (304, b"")
    assert bodies[-1].reads == [] and bodies[-1].closed == 1
    same = client.get("/sized", headers={"range": "bytes=0-3", "if-range": '"v1"'})
    assert (same.status_code, same.content) == (206, DATA[:4])
    other = client.get("/sized", headers={"range": "bytes=0-3", "if-range": '"v0"'})
    assert (other.status_code, other.content) == (200, DATA)
    weak = client.get("/sized", headers={"range": "bytes=0-3", "if-range": 'W/"v1"'})
    assert weak.status_code == 200


def test_bad_ranges_of_sized_bytes_are_json_and_let_go(
    sized: tuple[TestClient, list[BytesBody]],
) -> None:
    client, bodies = sized
    past = client.get("/sized", headers={"range": f"bytes={len(DATA)}-"})
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{len(DATA)}"
    assert client.get("/sized", headers={"range": "bytes=9-1"}).status_code == 400
    assert [body.closed for body in bodies] == [1, 1]


@pytest.mark.parametrize(
    ("header", "size", "spans"),
    [
        ("bytes=0-0", 10, [(0, 1)]),
        ("bytes=5-", 10, [(5, 10)]),
        ("bytes=-3", 10, [(7, 10)]),
        ("bytes=-30", 10, [(0, 10)]),
        ("bytes=2-99", 10, [(2, 10)]),
        ("bytes=0-1, 4-6", 10, [(0, 2), (4, 7)]),
        ("bytes=4-6, 0-4", 10, [(0, 7)]),
    ],
)
def test_ranges_parse_into_merged_spans(
    header: str, size: int, spans: list[tuple[int, int]]
) -> None:
    assert http_cache.parse_ranges(header, size) == spans
