"""POST /{camera}/plus/{t}: Frigate+'s upload protocol against a local server that records calls."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from frigate_media.clock import FixedClock
from frigate_media.services.recordings import plus
from tests.support.recordings import NOW, PROXY, T0, record_segments

KEY = "abcdef12-3456-7890-abcd-ef1234567890:" + "a" * 40


class FakePlus:
    """A tiny Frigate+ stand-in: token, signed URLs, presigned uploads and create."""

    def __init__(self, fail_upload: bool = False) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail_upload = fail_upload
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: Any = None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                fake.calls.append(
                    {"method": "GET", "path": self.path, "headers": dict(self.headers)}
                )
                if self.path == "/v1/auth/token":
                    self._answer(200, {"accessToken": "tok-1", "expires": 9_999_999_999})
                elif self.path == "/v1/image/signed_urls":
                    base = f"http://127.0.0.1:{fake.port}/upload"
                    self._answer(
                        200,
                        {
                            "imageId": "img-42",
                            "original": {"url": base + "/original", "fields": {"key": "o"}},
                            "annotate": {"url": base + "/annotate", "fields": {"key": "a"}},
                            "thumbnail": {"url": base + "/thumbnail", "fields": {"key": "t"}},
                        },
                    )
                else:
                    self._answer(404, {})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                fake.calls.append(
                    {
                        "method": "POST",
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": body,
                    }
                )
                if self.path.startswith("/upload") and fake.fail_upload:
                    self._answer(500, {"error": "nope"})
                else:
                    self._answer(204 if self.path.startswith("/upload") else 200, None)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def host(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_plus() -> Iterator[FakePlus]:
    server = FakePlus()
    yield server
    server.close()


@pytest.fixture
def recorded(tmp_path: Path, frigate_db: Path, clip_factory: Callable[..., Path]) -> Path:
    record_segments(tmp_path, clip_factory, "front", T0, 2)
    return tmp_path


def make_client(client_factory: Callable[..., TestClient], host: str) -> TestClient:
    return client_factory({**PROXY, "plus": {"host": host}}, clock=FixedClock(NOW))


def jpeg_size(body: bytes) -> tuple[int, int]:
    start = body.index(b"\xff\xd8")
    end = body.rindex(b"\xff\xd9") + 2
    image = cv2.imdecode(np.frombuffer(body[start:end], np.uint8), cv2.IMREAD_COLOR)
    return image.shape[1], image.shape[0]


def test_submit_runs_frigate_plus_protocol(
    client_factory: Callable[..., TestClient],
    recorded: Path,
    fake_plus: FakePlus,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLUS_API_KEY", KEY)
    client = make_client(client_factory, fake_plus.host)
    response = client.post(f"/api/front/plus/{T0 + 3.3}")
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Successfully submitted image."}
    paths = [(call["method"], call["path"]) for call in fake_plus.calls]
    assert paths == [
        ("GET", "/v1/auth/token"),
        ("GET", "/v1/image/signed_urls"),
        ("POST", "/upload/original"),
        ("POST", "/upload/annotate"),
        ("POST", "/upload/thumbnail"),
        ("POST", "/v1/image/create"),
    ]
    token_call, signed_call = fake_plus.calls[0], fake_plus.calls[1]
    assert token_call["headers"]["Authorization"].startswith("Basic ")
    assert signed_call["headers"]["Authorization"] == "Bearer tok-1"
    original = fake_plus.calls[2]["body"]
    assert b'name="key"\r\n\r\no\r\n' in original
    assert b'name="content-type"\r\n\r\nimage/jpeg\r\n' in original
    assert jpeg_size(original) == (320, 240)
    assert jpeg_size(fake_plus.calls[4]["body"]) == (200, 150)
    create = fake_plus.calls[5]
    assert json.loads(create["body"]) == {"id": "img-42", "camera": "front"}
    assert create["headers"]["Authorization"] == "Bearer tok-1"


def test_the_token_is_reused_while_valid(
    client_factory: Callable[..., TestClient],
    recorded: Path,
    fake_plus: FakePlus,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLUS_API_KEY", KEY)
    client = make_client(client_factory, fake_plus.host)
    assert client.post(f"/api/front/plus/{T0 + 1}").status_code == 200
    assert client.post(f"/api/front/plus/{T0 + 2}").status_code == 200
    assert [c["path"] for c in fake_plus.calls].count("/v1/auth/token") == 1


@pytest.mark.parametrize("key", [None, "not-a-key"])
def test_without_a_valid_key_submit_is_400(
    client_factory: Callable[..., TestClient],
    recorded: Path,
    fake_plus: FakePlus,
    monkeypatch: pytest.MonkeyPatch,
    key: str | None,
) -> None:
    if key is None:
        monkeypatch.delenv("PLUS_API_KEY", raising=False)
        monkeypatch.setattr(plus, "SECRETS_FILE", Path("/nonexistent/PLUS_API_KEY"))
    else:
        monkeypatch.setenv("PLUS_API_KEY", key)
    client = make_client(client_factory, fake_plus.host)
    response = client.post(f"/api/front/plus/{T0 + 1}")
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert fake_plus.calls == []


def test_an_upload_failure_is_502(
    client_factory: Callable[..., TestClient], recorded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLUS_API_KEY", KEY)
    failing = FakePlus(fail_upload=True)
    try:
        client = make_client(client_factory, failing.host)
        response = client.post(f"/api/front/plus/{T0 + 1}")
    finally:
        failing.close()
    assert response.status_code == 502
    assert response.json()["success"] is False
    assert not any(c["path"] == "/v1/image/create" for c in failing.calls)


def test_an_unreachable_plus_host_is_502(
    client_factory: Callable[..., TestClient], recorded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLUS_API_KEY", KEY)
    client = make_client(client_factory, "http://127.0.0.1:9")
    assert client.post(f"/api/front/plus/{T0 + 1}").status_code == 502


@pytest.mark.parametrize(("time", "status"), [("abc", 422), ("nan", 400), (str(T0 + 500), 404)])
def test_bad_times_are_4xx(
    client_factory: Callable[..., TestClient],
    recorded: Path,
    fake_plus: FakePlus,
    monkeypatch: pytest.MonkeyPatch,
    time: str,
    status: int,
) -> None:
    monkeypatch.setenv("PLUS_API_KEY", KEY)
    client = make_client(client_factory, fake_plus.host)
    response = client.post(f"/api/front/plus/{time}")
    assert response.status_code == status
    assert response.json()["success"] is False
