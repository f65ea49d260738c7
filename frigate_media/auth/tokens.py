"""JWTs as Frigate issues them (HS256; claims sub, role, exp, iat) and the secret behind them."""

from __future__ import annotations

import logging
import os
import secrets
import time
from pathlib import Path
from typing import Any

import jwt

logger = logging.getLogger(__name__)

JWT_SECRET_ENV = "FRIGATE_JWT_SECRET"


class TokenError(Exception):
    """The token is malformed, wrongly signed or expired."""


def load_jwt_secret(secret_file: Path) -> str:
    """The signing secret: $FRIGATE_JWT_SECRET, else a file generated on first start."""
    from_env = os.environ.get(JWT_SECRET_ENV)
    if from_env:
        return from_env
    try:
        return secret_file.read_text().strip() or _write_secret(secret_file)
    except FileNotFoundError:
        return _write_secret(secret_file)


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
    claims = {"sub": user, "role": role, "exp": int(expires_at), "iat": int(time.time())}
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
