"""Auth: open admin, proxy headers, JWT bearer and cookie, login, and per-camera 403s."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient

from frigate_media.api.deps import CameraDep, get_identity
from frigate_media.auth.passwords import hash_password, verify_password
from frigate_media.auth.tokens import encode_token
from tests.support.app import app_of
from tests.support.db import insert, insert_user

SECRET = "test-secret-" + "x" * 60
AUTH_ON: dict[str, Any] = {"auth": {"enabled": True}}
PROXY = {"proxy": {"header_map": {"user": "x-forwarded-user", "role": "x-forwarded-role"}}}


@pytest.fixture(autouse=True)
def fixed_jwt_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRIGATE_JWT_SECRET", SECRET)


def with_camera_route(client: TestClient) -> TestClient:
    """Mount a probe route guarded by the camera dependency, as every media route is."""
    router = APIRouter()

    @router.get("/api/{camera_name}/probe")
    def probe(camera: CameraDep) -> dict[str, str]:
        return {"camera": camera.name}

    app_of(client).include_router(router, dependencies=[Depends(get_identity)])
    return client


def token(
    role: str, *, user: str | None = None, expires_in: float = 3600, secret: str = SECRET
) -> str:
    """A token for the user named after `role` (the `auth_client` fixture has one per role)."""
    return encode_token(user or role, role, time.time() + expires_in, secret)


@pytest.fixture
def auth_client(client_factory: Callable[..., TestClient], frigate_db: Path) -> TestClient:
    """Auth on; users `admin`, `viewer`, `front_only` and `stranger`, each with that role."""
    for role in ("admin", "viewer", "front_only", "stranger"):
        insert_user(frigate_db, role, role)
    return with_camera_route(client_factory(AUTH_ON))


@pytest.mark.parametrize(
    ("role", "camera", "status"),
    [
        ("admin", "front", 200),
        ("admin", "back", 200),
        ("viewer", "back", 200),
        ("front_only", "front", 200),
        ("front_only", "back", 403),
        ("stranger", "front", 403),
        ("admin", "nowhere", 404),
        ("front_only", "nowhere", 403),
    ],
)
def test_camera_access_by_role_with_a_bearer_token(
    auth_client: TestClient, role: str, camera: str, status: int
) -> None:
    response = auth_client.get(
        f"/api/{camera}/probe", headers={"Authorization": f"Bearer {token(role)}"}
    )
    assert response.status_code == status
    if status != 200:
        assert response.json()["success"] is False
        assert response.json()["message"]


def test_no_identity_with_auth_on_is_401(auth_client: TestClient) -> None:
    response = auth_client.get("/api/front/probe")
    assert response.status_code == 401
    assert response.json() == {"success": False, "message": "Authentication required"}


@pytest.mark.parametrize(
    "bad",
    [
        token("admin", expires_in=-10),
        token("admin", secret="another-secret-" + "y" * 50),
        "abc.def.ghi",
    ],
    ids=["expired", "wrong-signature", "garbage"],
)
def test_bad_and_expired_tokens_are_401(auth_client: TestClient, bad: str) -> None:
    response = auth_client.get("/api/front/probe", headers={"Authorization": f"Bearer {bad}"})
    assert response.status_code == 401


def test_the_token_cookie_is_accepted(auth_client: TestClient) -> None:
    auth_client.cookies.set("frigate_token", token("front_only"))
    assert auth_client.get("/api/front/probe").status_code == 200
    assert auth_client.get("/api/back/probe").status_code == 403


def test_auth_beats_validation(auth_client: TestClient) -> None:
    # Frigate resolves auth before parameter validation: 401, not 422.
    assert auth_client.get("/api/front/probe?height=abc").status_code == 401


def test_login_checks_frigates_hash_and_sets_the_cookie(
    client_factory: Callable[..., TestClient], frigate_db: Path
) -> None:
    insert(
        frigate_db,
        "user",
        {
            "username": "bob",
            "role": "front_only",
            "password_hash": hash_password("correct horse", iterations=1000),
            "notification_tokens": [],
        },
    )
    client = with_camera_route(client_factory(AUTH_ON))
    assert client.post("/api/login", data={"user": "bob", "password": "wrong"}).status_code == 401
    response = client.post("/api/login", data={"user": "bob", "password": "correct horse"})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("frigate_token=")
    assert "HttpOnly" in cookie
    assert client.get("/api/front/probe").status_code == 200
    assert client.get("/api/back/probe").status_code == 403
    json_login = client.post("/api/login", json={"user": "bob", "password": "correct horse"})
    assert json_login.status_code == 200


@pytest.mark.parametrize(
    ("role_header", "status"),
    [("front_only", 403), ("viewer", 200), ("admin", 200), ("nonsense", 200)],
)
def test_auth_off_uses_proxy_headers_for_the_role(
    client_factory: Callable[..., TestClient], frigate_db: Path, role_header: str, status: int
) -> None:
    client = with_camera_route(client_factory(PROXY))
    headers = {"x-forwarded-user": "carol", "x-forwarded-role": role_header}
    assert client.get("/api/back/probe", headers=headers).status_code == status


def test_proxy_role_map_maps_groups_and_admin_wins(
    client_factory: Callable[..., TestClient], frigate_db: Path
) -> None:
    override = {
        "proxy": {
            "header_map": {
                "user": "x-user",
                "role": "x-groups",
                "role_map": {"admin": ["ops"], "front_only": ["porch"]},
            },
            "separator": "|",
        }
    }
    client = with_camera_route(client_factory(override))
    porch = {"x-user": "dan", "x-groups": "family|porch"}
    assert client.get("/api/back/probe", headers=porch).status_code == 403
    ops = {"x-user": "dan", "x-groups": "porch|ops"}
    assert client.get("/api/back/probe", headers=ops).status_code == 200


def test_proxy_secret_must_match_when_set(
    client_factory: Callable[..., TestClient], frigate_db: Path
) -> None:
    client = with_camera_route(client_factory({"proxy": {"auth_secret": "s3cret"}}))
    assert client.get("/api/front/probe").status_code == 401
    assert client.get("/api/front/probe", headers={"X-Proxy-Secret": "nope"}).status_code == 401
    assert client.get("/api/front/probe", headers={"X-Proxy-Secret": "s3cret"}).status_code == 200


def test_password_hashes_use_frigates_format() -> None:
    stored = hash_password("pw", salt="abcd", iterations=1000)
    assert stored.startswith("pbkdf2_sha256$1000$abcd$")
    assert verify_password("pw", stored)
    assert not verify_password("other", stored)
    assert not verify_password("pw", "garbage")
