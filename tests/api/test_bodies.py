"""Request bodies are read after identity and access, and never past their cap.

TestClient: the order of checks is the app's; the real server's part (not buffering, closing
the connection) is in test_limits_e2e.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from frigate_media.auth.tokens import encode_token
from tests.support.db import insert_event, insert_user

SECRET = "bodies-secret-" + "b" * 50
CREATE = "/api/events/front/person/create"
BAD_JSON = b'{"sub_label": '


@pytest.fixture(autouse=True)
def fixed_jwt_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRIGATE_JWT_SECRET", SECRET)


@pytest.fixture
def auth_client(client_factory: Callable[..., TestClient], frigate_db: Path) -> TestClient:
    insert_user(frigate_db, "admin1", "admin")
    insert_user(frigate_db, "viewer1", "viewer")
    return client_factory({"auth": {"enabled": True}})


def as_user(user: str, role: str) -> dict[str, str]:
    token = encode_token(user, role, time.time() + 600, SECRET)
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def test_bad_json_from_a_stranger_is_401_not_422(auth_client: TestClient) -> None:
    response = auth_client.post(
        CREATE, content=BAD_JSON, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401
    ended = auth_client.put("/api/events/1.0-abcdef/end", content=BAD_JSON)
    assert ended.status_code == 401


def test_bad_json_from_a_viewer_on_an_admin_route_is_403(auth_client: TestClient) -> None:
    headers = as_user("viewer1", "viewer")
    assert auth_client.post(CREATE, content=BAD_JSON, headers=headers).status_code == 403
    assert (
        auth_client.put("/api/events/1.0-x/end", content=BAD_JSON, headers=headers).status_code
        == 403
    )


def test_bad_json_from_an_admin_is_422_naming_the_body(auth_client: TestClient) -> None:
    headers = as_user("admin1", "admin")
    response = auth_client.post(CREATE, content=BAD_JSON, headers=headers)
    assert response.status_code == 422
    assert response.json()["message"].startswith("Invalid body parameter")
    wrong_type = auth_client.post(CREATE, json={"duration": "long"}, headers=headers)
    assert wrong_type.status_code == 422
    assert "duration" in wrong_type.json()["message"]


def test_an_admins_valid_body_still_works(auth_client: TestClient, frigate_db: Path) -> None:
    headers = as_user("admin1", "admin")
    created = auth_client.post(CREATE, json={"sub_label": "Bob", "duration": None}, headers=headers)
    assert created.status_code == 200, created.text
    event_id = created.json()["event_id"]
    ended = auth_client.put(f"/api/events/{event_id}/end", json={}, headers=headers)
    assert ended.status_code == 200
    # No body at all is Frigate's defaults.
    assert auth_client.post(CREATE, headers=headers).status_code == 200


def test_a_body_over_the_cap_is_413_declared_or_streamed(
    client_factory: Callable[..., TestClient], frigate_db: Path
) -> None:
    event = insert_event(frigate_db, "front", 1_700_000_000.0, None)
    client = client_factory({"limits": {"max_body_bytes": 4096}})
    declared = client.post(CREATE, content=b"{" + b" " * 5000 + b"}")
    assert declared.status_code == 413
    assert declared.json()["success"] is False

    def chunks() -> Iterator[bytes]:
        yield b'{"end_time": 1700000005'
        for _ in range(10):
            yield b" " * 1024
        yield b"}"

    streamed = client.put(f"/api/events/{event}/end", content=chunks())
    assert streamed.status_code == 413
    assert streamed.headers["connection"] == "close"


def test_login_has_its_own_smaller_cap(
    client_factory: Callable[..., TestClient], frigate_db: Path
) -> None:
    client = client_factory({"auth": {"enabled": True}})
    big = {"user": "a", "password": "p" * 20_000}
    assert client.post("/api/login", json=big).status_code == 413
    assert client.post("/api/login", data=big).status_code == 413


def test_no_route_takes_a_fastapi_body_parameter(client: TestClient) -> None:
    """FastAPI reads body parameters before any dependency: routes use api.bodies.json_body."""
    routes: list[Any] = [r for r in client.app.routes if isinstance(r, APIRoute)]  # type: ignore[attr-defined]
    with_body = [route.path for route in routes if route.body_field is not None]
    assert with_body == []
