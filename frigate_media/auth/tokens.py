"""JWTs as Frigate issues them (HS256; sub, role, exp, iat; ours add jti) and their secret."""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from pathlib import Path
from typing import Any

import jwt

logger = logging.getLogger(__name__)

JWT_SECRET_ENV = "FRIGATE_JWT_SECRET"
# Where Frigate looks after the environment, in its order (frigate/api/auth.py get_jwt_secret).
DOCKER_SECRET = Path("/run/secrets") / JWT_SECRET_ENV
ADDON_OPTIONS = Path("/data/options.json")


class TokenError(Exception):
    """The token is malformed, wrongly signed or expired."""


def load_jwt_secret(secret_file: Path, *, generate: bool = True) -> str:
    """The signing secret, found where Frigate finds it: $FRIGATE_JWT_SECRET, the Docker secret
    file, the Home Assistant add-on's `jwt_secret` option, else `secret_file` (generated on
    first start when missing and `generate`; beside Frigate that file is Frigate's to make, so
    without one the secret lives in memory only)."""
    from_env = os.environ.get(JWT_SECRET_ENV)
    if from_env:
        return from_env
    if DOCKER_SECRET.is_file():
        return DOCKER_SECRET.read_text().strip()
    from_addon = _addon_secret()
    if from_addon:
        return from_addon
    try:
        lines = secret_file.read_text().splitlines()
    except OSError:
        lines = []
    found = lines[0].strip() if lines else ""
    if found:
        return found
    if not generate:
        logger.warning("no JWT secret found (%s is Frigate's to make); one in memory", secret_file)
        return secrets.token_hex(64)
    return _write_secret(secret_file)


def _addon_secret() -> str | None:
    try:
        options = json.loads(ADDON_OPTIONS.read_text())
    except (OSError, ValueError):
        return None
    secret = options.get("jwt_secret") if isinstance(options, dict) else None
    return secret if isinstance(secret, str) and secret else None


def _write_secret(secret_file: Path) -> str:
    secret = secrets.token_hex(64)
    try:
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secret)
    except OSError as error:
        logger.warning(
            "cannot store the JWT secret in %s (%s); tokens end at restart",
            secret_file,
            error.strerror,
        )
    return secret


def encode_token(user: str, role: str, expires_at: float, secret: str) -> str:
    """A signed token for `user` with `role`, valid until `expires_at` (Unix seconds)."""
    claims = {
        "sub": user,
        "role": role,
        "exp": int(expires_at),
        "iat": int(time.time()),
        # Frigate's claims plus an id, so two logins in one second give two tokens (a logout
        # revokes only its own); Frigate ignores claims it does not know.
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def decode_token(token: str, secret: str) -> dict[str, Any]:
    """The claims of a valid token; TokenError for anything else."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=["HS256"], options={"require": ["sub", "exp"]}
        )
    except jwt.PyJWTError as error:
        raise TokenError(str(error)) from None
    if not isinstance(claims.get("sub"), str):
        raise TokenError("token subject is missing")
    return claims
