"""The JWT secret is found where Frigate finds it, in Frigate's order; our tokens carry a jti."""

from __future__ import annotations

import json
import time
from pathlib import Path

import jwt
import pytest

from frigate_media.auth import tokens


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the Docker-secret and add-on locations into tmp_path; no secret in the env."""
    monkeypatch.delenv(tokens.JWT_SECRET_ENV, raising=False)
    monkeypatch.setattr(tokens, "DOCKER_SECRET", tmp_path / "run-secrets" / "FRIGATE_JWT_SECRET")
    monkeypatch.setattr(tokens, "ADDON_OPTIONS", tmp_path / "data" / "options.json")
    return tmp_path


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_the_sources_are_read_in_frigates_order(
    places: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_file = places / "config" / ".jwt_secret"
    write(secret_file, "from-file\nsecond line is ignored\n")
    assert tokens.load_jwt_secret(secret_file) == "from-file"
    write(places / "data" / "options.json", json.dumps({"jwt_secret": "from-addon"}))
    assert tokens.load_jwt_secret(secret_file) == "from-addon"
    write(places / "run-secrets" / "FRIGATE_JWT_SECRET", "from-docker\n")
    assert tokens.load_jwt_secret(secret_file) == "from-docker"
    monkeypatch.setenv(tokens.JWT_SECRET_ENV, "from-env")
    assert tokens.load_jwt_secret(secret_file) == "from-env"


def test_a_missing_secret_file_is_generated_once(places: Path) -> None:
    secret_file = places / "config" / ".jwt_secret"
    first = tokens.load_jwt_secret(secret_file)
    assert len(first) == 128
    assert tokens.load_jwt_secret(secret_file) == first
    assert secret_file.stat().st_mode & 0o777 == 0o600


def test_beside_frigate_the_secret_is_read_but_never_generated(places: Path) -> None:
    secret_file = places / "config" / ".jwt_secret"

    in_memory = tokens.load_jwt_secret(secret_file, generate=False)

    assert len(in_memory) == 128 and not secret_file.parent.exists()
    write(secret_file, "frigates\n")
    assert tokens.load_jwt_secret(secret_file, generate=False) == "frigates"


def test_two_tokens_issued_in_one_second_differ() -> None:
    expires = time.time() + 60
    first = tokens.encode_token("alice", "admin", expires, "k" * 64)
    second = tokens.encode_token("alice", "admin", expires, "k" * 64)
    assert first != second
    claims = jwt.decode(first, "k" * 64, algorithms=["HS256"])
    assert set(claims) == {"sub", "role", "exp", "iat", "jti"}
