"""Auth off behind a proxy: header-less requests are not admin; the proxy secret holds always.

TestClient is enough: the identity comes from headers only, the server adds nothing here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from frigate_media.auth.tokens import encode_token
from tests.support.db import insert_user

SECRET = "proxy-test-secret-" + "p" * 50
HEADERS = {"user": "x-forwarded-user", "role": "x-forwarded-role"}
ADMIN_ONLY = "/api/events/front/person/create"  # manual events: admins only


@pytest.fixture(autouse=True)
def fixed_jwt_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRIGATE_JWT_SECRET", SECRET)


def proxy(**settings: Any) -> dict[str, Any]:
    return {"proxy": {"header_map": HEADERS, **settings}}


def test_a_request_without_the_proxy_headers_is_a_viewer_not_the_admin(
    client_factory: Callable[..., TestClient], frigate_db: Path
) -> None:
    client = client_factory(proxy())
    profile = client.get("/api/profile").json()
    assert (profile["username"], profile["role"]) == ("viewer", "viewer")
    refused = client.post(ADMIN_ONLY, json={})
    assert refused.status_code == 403
    assert refused.json()["success"] is False


def test_only_a_role_header_configured_and_absent_is_the_default_role_too(
    client_factory: Callable[..., TestClient], frigate_db: Path
) -> None:
    client = client_factory({"proxy": {"header_map": {"role": "x-forwarded-role"}}})
    assert client.get("/api/profile").json()["role"] == "viewer"
    assert client.post(ADMIN_ONLY, json={}).status_code == 403


def test_default_role_decides_for_a_request_without_a_role_header(
    client_factory: Callable[..., TestClient], frigate_db: Path
) -> None:
    client = client_factory(proxy(default_role="front_only"))
    profile = client.get("/api/profile", headers={"x-forwarded-user": "erin"}).json()
    assert profile == {"username": "erin", "role": "front_only", "allowed_cameras": ["front"]}
    assert client.get("/api/back/latest.jpg").status_code == 403


@pytest.mark.parametrize("default_role", ["no_such_role", None])
def test_an_unknown_or_null_default_role_falls_back_to_viewer(
    client_factory: Callable[..., TestClient], frigate_db: Path, default_role: str | None
) -> None:
    client = client_factory(proxy(default_role=default_role))
    assert client.get("/api/profile").json()["role"] == "viewer"


def test_without_any_header_map_auth_off_is_the_local_admin(
    client_factory: Callable[..., TestClient], frigate_db: Path
) -> None:
    # Kept on purpose: no proxy identity configured is Frigate's internal port 5000 (admin).
    profile = client_factory().get("/api/profile").json()
    assert (profile["username"], profile["role"]) == ("anonymous", "admin")


def test_the_proxy_secret_is_checked_with_auth_on_too(
    client_factory: Callable[..., TestClient], frigate_db: Path
) -> None:
    insert_user(frigate_db, "alice", "admin")
    client = client_factory({"auth": {"enabled": True}, "proxy": {"auth_secret": "s3cret"}})
    bearer = {"Authorization": f"Bearer {encode_token('alice', 'admin', time.time() + 60, SECRET)}"}
    without = client.get("/api/profile", headers=bearer)
    assert without.status_code == 401
    assert without.json() == {"success": False, "message": "Invalid proxy secret"}
    wrong = client.get("/api/profile", headers={**bearer, "X-Proxy-Secret": "nope"})
    assert wrong.status_code == 401
    right = client.get("/api/profile", headers={**bearer, "X-Proxy-Secret": "s3cret"})
    assert right.status_code == 200
    assert right.json()["username"] == "alice"
