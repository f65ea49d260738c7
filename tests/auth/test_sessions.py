"""Tokens end with their user: no role claim, a deleted or demoted user, a password change, logout.

TestClient over a real SQLite file; `limits.user_cache_seconds: 0` makes every request read the
row, so the tests need no waiting (the cache itself is tested in test_users.py).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from frigate_media.auth.revocation import FILE_NAME
from frigate_media.auth.tokens import encode_token
from tests.support.db import insert_user

SECRET = "session-test-secret-" + "s" * 50
AUTH_ON: dict[str, Any] = {"auth": {"enabled": True}, "limits": {"user_cache_seconds": 0}}


@pytest.fixture(autouse=True)
def fixed_jwt_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRIGATE_JWT_SECRET", SECRET)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_for(user: str, role: str) -> str:
    return encode_token(user, role, time.time() + 3600, SECRET)


def sql(db: Path, statement: str, *args: object) -> None:
    connection = sqlite3.connect(db)
    with connection:
        connection.execute(statement, args)
    connection.close()


@pytest.fixture
def auth_client(client_factory: Callable[..., TestClient], frigate_db: Path) -> TestClient:
    insert_user(frigate_db, "alice", "admin")
    return client_factory(AUTH_ON)


def test_a_token_without_a_role_claim_is_refused(auth_client: TestClient) -> None:
    claims = {"sub": "alice", "exp": int(time.time()) + 3600, "iat": int(time.time())}
    roleless = jwt.encode(claims, SECRET, algorithm="HS256")
    response = auth_client.get("/api/front/latest.jpg", headers=bearer(roleless))
    assert response.status_code == 401
    assert auth_client.get("/api/profile", headers=bearer(roleless)).status_code == 401


def test_a_deleted_users_token_is_refused(auth_client: TestClient, frigate_db: Path) -> None:
    token = token_for("alice", "admin")
    assert auth_client.get("/api/profile", headers=bearer(token)).status_code == 200
    sql(frigate_db, 'DELETE FROM "user" WHERE username = ?', "alice")
    gone = auth_client.get("/api/profile", headers=bearer(token))
    assert gone.status_code == 401
    assert "no longer exists" in gone.json()["message"]
    # The lean latest-frame path identifies requests too: it hands the refusal to the route.
    assert auth_client.get("/api/front/latest.jpg", headers=bearer(token)).status_code == 401


def test_a_demoted_user_gets_the_new_role_at_once(
    auth_client: TestClient, frigate_db: Path
) -> None:
    token = token_for("alice", "admin")
    sql(frigate_db, 'UPDATE "user" SET role = ? WHERE username = ?', "front_only", "alice")
    profile = auth_client.get("/api/profile", headers=bearer(token)).json()
    assert (profile["role"], profile["allowed_cameras"]) == ("front_only", ["front"])
    assert auth_client.get("/api/back/latest.jpg", headers=bearer(token)).status_code == 403
    assert (
        auth_client.post("/api/events/front/person/create", headers=bearer(token)).status_code
        == 403
    )


def test_a_password_change_in_frigate_ends_older_tokens(
    auth_client: TestClient, frigate_db: Path
) -> None:
    now = int(time.time())
    claims = {"sub": "alice", "role": "admin", "exp": now + 3600, "iat": now - 60}
    old = jwt.encode(claims, SECRET, algorithm="HS256")
    # Frigate writes a naive local datetime (peewee DateTimeField) when a password changes.
    sql(
        frigate_db,
        'UPDATE "user" SET password_changed_at = ? WHERE username = ?',
        str(datetime.now()),
        "alice",
    )
    ended = auth_client.get("/api/profile", headers=bearer(old))
    assert ended.status_code == 401
    assert "password changed" in ended.json()["message"]
    fresh = encode_token("alice", "admin", time.time() + 3600, SECRET)
    assert auth_client.get("/api/profile", headers=bearer(fresh)).status_code == 200


def test_logout_ends_that_session_only_and_redirects_like_frigate(
    auth_client: TestClient,
) -> None:
    first, second = token_for("alice", "admin"), token_for("alice", "admin")
    assert first != second  # two logins in one second are still two sessions (jti)
    auth_client.cookies.set("frigate_token", first)
    assert auth_client.get("/api/profile").status_code == 200
    response = auth_client.get("/api/logout", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert 'frigate_token=""' in response.headers["set-cookie"]
    auth_client.cookies.clear()
    refused = auth_client.get("/api/profile", headers=bearer(first))
    assert refused.status_code == 401
    assert "logged out" in refused.json()["message"]
    assert auth_client.get("/api/profile", headers=bearer(second)).status_code == 200


def test_a_logout_is_remembered_across_a_restart(
    client_factory: Callable[..., TestClient], frigate_db: Path, tmp_path: Path
) -> None:
    insert_user(frigate_db, "alice", "admin")
    token = token_for("alice", "admin")
    first = client_factory(AUTH_ON)
    assert (
        first.get("/api/logout", headers=bearer(token), follow_redirects=False).status_code == 303
    )
    stored = tmp_path / "cache" / "frigate-media" / "auth" / FILE_NAME
    assert stored.is_file()
    first.__exit__(None, None, None)
    restarted = client_factory(AUTH_ON)
    assert restarted.get("/api/profile", headers=bearer(token)).status_code == 401


def test_logging_out_a_forged_or_expired_token_stores_nothing(
    auth_client: TestClient, tmp_path: Path
) -> None:
    forged = encode_token("alice", "admin", time.time() + 3600, "w" * 64)
    expired = encode_token("alice", "admin", time.time() - 10, SECRET)
    for token in (forged, expired, "not-a-token"):
        response = auth_client.get("/api/logout", headers=bearer(token), follow_redirects=False)
        assert response.status_code == 303
    assert not (tmp_path / "cache" / "frigate-media" / FILE_NAME).exists()
    assert len(auth_client.app.state.context.auth.revoked) == 0  # type: ignore[attr-defined]


def test_login_with_auth_off_answers_like_frigate(
    client_factory: Callable[..., TestClient], frigate_db: Path
) -> None:
    response = client_factory().post("/api/login", json={"user": "a", "password": "b"})
    assert response.status_code == 404
    assert response.json() == {"success": False, "message": "Authentication is disabled"}
