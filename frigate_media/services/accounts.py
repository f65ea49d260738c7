"""Users and sessions on Frigate's `user` table: login checks, token issue, `user add`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from frigate_media.auth.passwords import hash_password, verify_password
from frigate_media.auth.tokens import encode_token
from frigate_media.context import AppContext
from frigate_media.errors import BadRequest, Unauthorized
from frigate_media.storage.models import User

FRIGATE_API_VERSION = "0.18.0"


def compatible_version() -> str:
    """The Frigate version whose media API we serve, tagged as ours."""
    from frigate_media import __version__

    return f"{FRIGATE_API_VERSION}-frigate-media.{__version__}"


@dataclass(frozen=True)
class Session:
    token: str
    expires_at: float


def _password_hash_of(username: str) -> tuple[str, str] | None:
    row = User.get_or_none(User.username == username)
    if row is None:
        return None
    return str(row.password_hash), str(row.role or "viewer")


async def login(context: AppContext, username: str, password: str) -> Session:
    """A session token for a correct user and password; Unauthorized otherwise."""
    if not username or not password:
        raise BadRequest("Both 'user' and 'password' are required")
    found = await context.run_db(_password_hash_of, username)
    # Verify even for unknown users so timing does not tell which names exist.
    stored, role = found if found is not None else ("pbkdf2_sha256$1000$x$x", "viewer")
    valid = await _verify_off_loop(password, stored)
    if found is None or not valid:
        raise Unauthorized("Login failed")
    expires_at = context.clock.now() + context.config.auth.session_length
    return Session(encode_token(username, role, expires_at, context.auth.jwt_secret), expires_at)


async def _verify_off_loop(password: str, stored: str) -> bool:
    return await asyncio.to_thread(verify_password, password, stored)


def add_user(username: str, password: str, role: str) -> None:
    """Create or replace a user row with a Frigate-format password hash (blocking)."""
    if not username or len(username) > 30:
        raise BadRequest("user names must be 1 to 30 characters")
    (
        User.insert(
            username=username,
            role=role,
            password_hash=hash_password(password),
            notification_tokens=[],
        )
        .on_conflict_replace()
        .execute()
    )
