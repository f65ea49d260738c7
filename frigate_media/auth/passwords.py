"""Frigate's password hash format: `pbkdf2_sha256$<iterations>$<salt>$<base64 digest>`."""

from __future__ import annotations

import base64
import hashlib
import secrets

ALGORITHM = "pbkdf2_sha256"
DEFAULT_ITERATIONS = 600_000


def hash_password(
    password: str, salt: str | None = None, iterations: int = DEFAULT_ITERATIONS
) -> str:
    """Hash a password exactly as Frigate stores it in the `user` table."""
    salt = salt or secrets.token_hex(16)
    if "$" in salt:
        raise ValueError("salt may not contain '$'")
    digest = hashlib.pbkdf2_hmac(
        "sha256", password.encode("utf-8"), salt.encode("utf-8"), iterations
    )
    return f"{ALGORITHM}${iterations}${salt}${base64.b64encode(digest).decode('ascii')}"


def verify_password(password: str, stored: str | None) -> bool:
    """True when `password` matches a hash in Frigate's format; any malformed hash is False."""
    parts = (stored or "").split("$")
    if len(parts) != 4 or parts[0] != ALGORITHM:
        return False
    try:
        iterations = int(parts[1])
    except ValueError:
        return False
    if not 1 <= iterations <= 10_000_000:
        return False
    return secrets.compare_digest(stored or "", hash_password(password, parts[2], iterations))
