"""POST /login on a real server: Frigate's failed-login limit per client, and a flood of wrong
passwords that must not hold up anyone else's media."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from frigate_media.auth.passwords import hash_password
from frigate_media.auth.tokens import encode_token
from tests.conftest import RunningServer, base_config_dict, deep_merge, start_server, stop_server
from tests.support.db import create_frigate_db, insert_event, insert_user
from tests.support.media import make_image

SECRET = "login-e2e-secret-" + "e" * 50
FAST_HASH = 1000  # the limit test is about counting, not hashing


@pytest.fixture(autouse=True)
def fixed_jwt_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRIGATE_JWT_SECRET", SECRET)


def serve(root: Path, override: dict[str, Any]) -> RunningServer:
    config = deep_merge(base_config_dict(root), {"auth": {"enabled": True}, **override})
    return start_server(config, root)


@pytest.fixture
def limited_server(tmp_path: Path) -> Iterator[RunningServer]:
    db = create_frigate_db(tmp_path / "config" / "frigate.db")
    insert_user(db, "bob", "viewer", hash_password("right", iterations=FAST_HASH))
    server = serve(
        tmp_path,
        {
            "auth": {
                "enabled": True,
                "failed_login_rate_limit": "2/minute",
                "trusted_proxies": ["127.0.0.3"],
                "hash_iterations": FAST_HASH,
            }
        },
    )
    yield server
    stop_server(server)


def login(
    server: RunningServer, password: str, *, via: str = "127.0.0.1", forwarded: str | None = None
) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    transport = httpx.HTTPTransport(local_address=via)
    with httpx.Client(transport=transport, timeout=30) as client:
        return client.post(
            server.url("/api/login"), json={"user": "bob", "password": password}, headers=headers
        )


def test_failed_logins_are_limited_per_forwarded_client_with_429_and_retry_after(
    limited_server: RunningServer,
) -> None:
    # Beside Frigate's nginx (loopback, trusted) the client is the X-Forwarded-For hop.
    client_a = "198.51.100.9, 203.0.113.5"  # the right-most untrusted hop counts: 203.0.113.5
    assert login(limited_server, "no", forwarded=client_a).status_code == 401
    assert login(limited_server, "no", forwarded="203.0.113.5").status_code == 401
    refused = login(limited_server, "no", forwarded=client_a)
    assert refused.status_code == 429
    assert refused.json() == {"success": False, "message": "Rate limit exceeded: 2 per 1 minute"}
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert login(limited_server, "right", forwarded=client_a).status_code == 429  # locked out
    # Another client behind the same proxy is not: and its success is not a failure.
    assert login(limited_server, "no", forwarded="203.0.113.6").status_code == 401
    for _ in range(3):
        assert login(limited_server, "right", forwarded="203.0.113.6").status_code == 200


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(
    limited_server: RunningServer,
) -> None:
    # 127.0.0.2 is not a trusted proxy: its X-Forwarded-For is ignored, the peer counts.
    for index in range(2):
        answer = login(limited_server, "no", via="127.0.0.2", forwarded=f"192.0.2.{index}")
        assert answer.status_code == 401
    spoofed = login(limited_server, "no", via="127.0.0.2", forwarded="192.0.2.99")
    assert spoofed.status_code == 429
    # 127.0.0.3 is listed in auth.trusted_proxies: each forwarded client is its own.
    for index in range(4):
        answer = login(limited_server, "no", via="127.0.0.3", forwarded=f"192.0.2.{index}")
        assert answer.status_code == 401


def test_a_login_flood_does_not_hold_up_an_unrelated_thumbnail(tmp_path: Path) -> None:
    """24 wrong passwords at Frigate's real cost (600,000 iterations), checked one at a time:
    the thumbnail must be served while most of them are still waiting, not after them."""
    db = create_frigate_db(tmp_path / "config" / "frigate.db")
    insert_user(db, "bob", "admin", hash_password("right"))
    event = insert_event(db, "front", 1_700_000_000.0, 1_700_000_010.0)
    make_image(tmp_path / "media" / "clips" / "thumbs" / "front" / f"{event}.webp", 176, 176)
    server = serve(tmp_path, {"limits": {"login_hash_threads": 1, "login_hash_queue": 30}})
    token = encode_token("bob", "admin", time.time() + 600, SECRET)
    flood = 24
    try:
        with (
            ThreadPoolExecutor(flood) as pool,
            httpx.Client(timeout=120) as client,
        ):
            logins = [
                pool.submit(
                    client.post, server.url("/api/login"), json={"user": "bob", "password": f"x{i}"}
                )
                for i in range(flood)
            ]
            while not any(future.done() for future in logins):
                time.sleep(0.01)  # the flood is being hashed
            started = time.monotonic()
            thumbnail = client.get(
                server.url(f"/api/events/{event}/thumbnail.jpg"),
                headers={"Authorization": f"Bearer {token}"},
            )
            took = time.monotonic() - started
            outstanding = sum(not future.done() for future in logins)
            statuses = {future.result().status_code for future in logins}
        print(f"thumbnail in {took:.3f} s with {outstanding} of {flood} logins still waiting")
        assert thumbnail.status_code == 200
        assert thumbnail.headers["content-type"] == "image/jpeg"
        assert outstanding >= flood // 2
        assert statuses == {401}
    finally:
        stop_server(server)


def test_the_hashing_pool_refuses_a_burst_beyond_its_queue_with_503(tmp_path: Path) -> None:
    db = create_frigate_db(tmp_path / "config" / "frigate.db")
    insert_user(db, "bob", "viewer", hash_password("right"))
    server = serve(tmp_path, {"limits": {"login_hash_threads": 1, "login_hash_queue": 2}})
    try:
        with ThreadPoolExecutor(12) as pool, httpx.Client(timeout=120) as client:
            answers = list(
                pool.map(
                    lambda i: client.post(
                        server.url("/api/login"), json={"user": "bob", "password": f"x{i}"}
                    ),
                    range(12),
                )
            )
        statuses = sorted(answer.status_code for answer in answers)
        busy = [answer for answer in answers if answer.status_code == 503]
        assert statuses.count(401) >= 3  # one running, two waiting: at least those are checked
        assert busy, statuses
        assert busy[0].headers["Retry-After"] == "2"
        assert set(statuses) <= {401, 503}
    finally:
        stop_server(server)
