"""The lean latest-frame path answers exactly as the FastAPI route does, and only when it can."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from frigate_media.api import fast_latest
from frigate_media.api.fast_latest import (
    LatestFrameFastPath,
    latest_headers,
    latest_response,
    parse_latest_query,
    prepared,
)
from frigate_media.services import live

QUERIES = [
    "",
    "?height=180",
    "?h=120&quality=40",
    "?height=0&store=1",
    "?height=200&h=90&cache=1719000000",
    "?bbox=1&timestamp=0&zones=1&mask=0&motion=1&regions=0&paths=1&height=240",
]


def answer(
    client: TestClient, path: str, *, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, bytes, dict[str, str]]:
    if not fast:

        async def never(self: LatestFrameFastPath, scope: object) -> None:
            return None

        monkeypatch.setattr(LatestFrameFastPath, "_answer", never)
    response = client.get(path)
    monkeypatch.undo()
    headers = {k: v for k, v in response.headers.items() if k not in ("date", "server")}
    return response.status_code, response.content, headers


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("ext", ["jpg", "jpeg", "png", "webp"])
def test_the_fast_path_answers_like_the_route(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, ext: str, query: str
) -> None:
    path = f"/api/front/latest.{ext}{query}"
    assert answer(client, path, fast=True, monkeypatch=monkeypatch) == answer(
        client, path, fast=False, monkeypatch=monkeypatch
    )


def test_the_fast_path_serves_well_formed_requests(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[str] = []
    original = fast_latest.live.latest_frame

    async def counting(*args: object, **kwargs: object) -> object:
        served.append("x")
        return await original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fast_latest.live, "latest_frame", counting)
    assert client.get("/api/front/latest.jpg?height=100").status_code == 200
    assert served == ["x"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/front/latest.jpg?height=abc", 422),
        ("/api/front/latest.jpg?quality=0", 400),
        ("/api/front/latest.jpg?height=-1", 400),
        ("/api/nowhere/latest.jpg", 404),
        ("/api/front/latest.gif", 422),
    ],
)
def test_malformed_or_failing_requests_get_the_routes_json_errors(
    client: TestClient, path: str, status: int
) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.json()["success"] is False


def test_a_role_without_the_camera_gets_403_on_the_fast_path(
    client_factory: Callable[..., TestClient], frigate_db: Path
) -> None:
    client = client_factory(
        {"proxy": {"header_map": {"user": "x-user", "role": "x-role"}}},
        headers={"x-user": "ann", "x-role": "front_only"},
    )
    assert client.get("/api/front/latest.jpg").status_code == 200
    assert client.get("/api/back/latest.jpg").status_code == 403


def test_query_parsing_takes_the_last_value_and_refuses_non_integers() -> None:
    assert parse_latest_query(b"height=10&height=20&cache=abc") == {"height": 20}
    assert parse_latest_query(b"quality=7.5") is None
    assert parse_latest_query(b"bbox=") is None


def still_image(encodes: list[str], *, offline: bool = False) -> live.LiveImage:
    """A latest-frame answer whose encode only counts its calls (a plain value, no frames)."""

    async def encode() -> bytes:
        encodes.append("encode")
        return b"jpeg bytes"

    return live.LiveImage("k1", "jpg", offline, encode)


def test_a_client_holding_the_latest_frame_gets_304_before_any_encode() -> None:
    encodes: list[str] = []
    image = still_image(encodes)
    held = asyncio.run(latest_response(image, False, 'W/"k1"'))
    assert held.status_code == 304
    assert held.headers["etag"] == '"k1"'
    assert held.headers["cache-control"] == "no-store"
    assert encodes == []
    fresh = asyncio.run(latest_response(image, True, '"k0"'))
    assert (fresh.status_code, fresh.body) == (200, b"jpeg bytes")
    assert fresh.headers["content-type"] == "image/jpeg"
    assert fresh.headers["cache-control"] == "private, max-age=60"
    assert encodes == ["encode"]


def test_latest_headers_carry_the_policy_frigates_offline_flag_and_the_etag() -> None:
    tag, headers = latest_headers(still_image([], offline=True), store=False)
    assert tag == '"k1"'
    assert headers == {"Cache-Control": "no-store", "X-Frigate-Offline": "true", "ETag": '"k1"'}
    _, online = latest_headers(still_image([]), store=True)
    assert online == {"Cache-Control": "private, max-age=60", "ETag": '"k1"'}


def test_a_prepared_answer_is_encoded_once_and_answers_304_or_its_bytes() -> None:
    encodes: list[str] = []
    answer = asyncio.run(prepared(still_image(encodes), store=False))
    assert encodes == ["encode"]
    assert answer.response('"k1"').status_code == 304
    full = answer.response(None)
    assert (full.status_code, full.body) == (200, b"jpeg bytes")
    assert full.headers["etag"] == '"k1"'
    assert encodes == ["encode"]


def test_the_fast_path_answers_304_for_the_image_the_client_holds(client: TestClient) -> None:
    """No ingest runs here, so the camera shows its (unchanging) offline image."""
    etag = client.get("/api/front/latest.webp?height=90").headers["etag"]
    held = {"If-None-Match": etag}
    again = client.get("/api/front/latest.webp?height=90", headers=held)
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == "no-store"
