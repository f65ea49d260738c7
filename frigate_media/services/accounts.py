"""Users and sessions on Frigate's `user` table: login checks, token issue, `user add`."""

from __future__ import annotations

from dataclasses import dataclass

from frigate_media.auth.passwords import hash_password
from frigate_media.auth.tokens import encode_token
from frigate_media.context import AppContext
from frigate_media.errors import BadRequest, NotFound, Unauthorized
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
    row = (
        User.select(User.password_hash, User.role).where(User.username == username).tuples().first()
    )
    if row is None:
        return None
    return str(row[0]), str(row[1] or "viewer")


def admit_login(context: AppContext, client: str) -> None:
    """Count a login attempt from `client` first: 429 + Retry-After once it failed too often."""
    if not context.config.auth.enabled:
        # Frigate's answer: with auth off there is nothing to log in to.
        raise NotFound("Authentication is disabled")
    context.auth.logins.admit(client)


async def login(context: AppContext, client: str, username: str, password: str) -> Session:
    """A session token for a correct user and password; Unauthorized otherwise.

    Call `admit_login` first. Unknown users cost one hash too (the configured iteration
    count), so the answer's timing does not tell which names exist.
    """
    if not username or not password:
        raise BadRequest("Both 'user' and 'password' are required")
    found = await context.run_db(_password_hash_of, username)
    stored, role = found if found is not None else (None, "viewer")
    if not await context.auth.logins.verify(client, password, stored):
        raise Unauthorized("Login failed")
    expires_at = context.clock.now() + context.config.auth.session_length
    return Session(encode_token(username, role, expires_at, context.auth.jwt_secret), expires_at)


async def logout(context: AppContext, tokens: list[str]) -> None:
    """End the presented sessions: each valid token is refused from now until its expiry."""
    for token in dict.fromkeys(tokens):  # the cookie and the bearer may be one token
        try:
            session = context.auth.session_token(token)
        except Unauthorized:
            continue  # nothing to end (and a forged token must not fill the list)
        await context.auth.revoked.revoke(session.id, session.expires_at)


def add_user(username: str, password: str, role: str, iterations: int) -> None:
    """Create or replace a user row with a Frigate-format password hash (blocking)."""
    if not username or len(username) > 30:
        raise BadRequest("user names must be 1 to 30 characters")
    (
        User.insert(
            username=username,
            role=role,
            password_hash=hash_password(password, iterations=iterations),
            notification_tokens=[],
        )
        .on_conflict_replace()
        .execute()
    )
