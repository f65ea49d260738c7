"""Resolve who a request comes from (JWT, proxy headers, or open admin) and what it may see."""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from frigate_media.auth.logins import LoginGuard
from frigate_media.auth.revocation import FILE_NAME as REVOKED_FILE_NAME
from frigate_media.auth.revocation import RevokedTokens, token_id
from frigate_media.auth.tokens import TokenError, decode_token
from frigate_media.auth.users import RunDb, UserDirectory
from frigate_media.config import FrigateConfig
from frigate_media.errors import Forbidden, Unauthorized

ANONYMOUS = "anonymous"
VERIFIED_TOKENS = 1024  # verified tokens remembered; the memo is emptied when full
PROXY_SECRET_HEADER = "x-proxy-secret"
# What Frigate's nginx sets from Frigate's /auth answer, and all Frigate's own API trusts.
FRIGATE_USER_HEADER = "remote-user"
FRIGATE_ROLE_HEADER = "remote-role"


@dataclass(frozen=True)
class Identity:
    """A resolved requester: a user name, a role and the cameras that role may see."""

    user: str
    role: str
    cameras: frozenset[str] | None  # None: every camera

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def sees_all_cameras(self) -> bool:
        return self.cameras is None

    def can_see(self, camera: str) -> bool:
        return self.cameras is None or camera in self.cameras

    def require_camera(self, camera: str) -> None:
        """Raise Forbidden (403) unless this identity may see `camera`."""
        if not self.can_see(camera):
            allowed = sorted(self.cameras or ())
            raise Forbidden(f"Access denied to camera '{camera}'. Allowed: {allowed}")

    def require_admin(self) -> None:
        """Raise Forbidden (403) unless this identity has the admin role (Frigate's
        `require_role(["admin"])`)."""
        if not self.is_admin:
            raise Forbidden("Access denied. A user with the admin role is required.")

    def require_all_cameras(self, what: str) -> None:
        """Raise Forbidden unless this identity sees every camera (e.g. birdseye)."""
        if not self.sees_all_cameras:
            raise Forbidden(f"Access denied to {what}: it shows every camera")


@dataclass(frozen=True)
class SessionToken:
    """A valid token's id (see revocation.token_id) and the claims a request needs."""

    id: str
    user: str
    role: str
    issued_at: float
    expires_at: float


class Authenticator:
    """Turns request headers and cookies into an Identity, per the `auth` and `proxy` config.

    With auth on, a token is accepted only while its user's row exists (its current role
    applies), its password has not changed since the token was issued, and it was not
    logged out. `logins` throttles and runs the password checks of `POST /login`.

    With `frigate_headers` (beside Frigate) none of that applies: Frigate's `/auth` has already
    decided, by Frigate's `auth` and `proxy` config, and the identity is what Frigate's nginx
    passes on, `remote-user` and `remote-role`, exactly as Frigate's own API reads it.
    """

    def __init__(
        self,
        config: FrigateConfig,
        jwt_secret: str,
        *,
        users: UserDirectory,
        revoked: RevokedTokens,
        logins: LoginGuard,
        frigate_headers: bool = False,
    ) -> None:
        self.config = config
        self.frigate_headers = frigate_headers
        self.jwt_secret = jwt_secret
        self.users = users
        self.revoked = revoked
        self.logins = logins
        # Tokens already verified (signature, claims), so a dashboard polling with one token
        # pays for the HMAC once; expiry is still checked on every use. Only valid tokens
        # get in, and nobody can make those without the secret.
        self._verified: dict[str, SessionToken] = {}

    def close(self) -> None:
        """Stop the password-check threads (at shutdown)."""
        self.logins.close()

    def identity_for(self, user: str, role: str) -> Identity:
        return Identity(user=user, role=role, cameras=self.config.cameras_for_role(role))

    async def identify(
        self, headers: Mapping[str, str], cookies: Mapping[str, str], run_db: RunDb
    ) -> Identity:
        """The requester's identity; Unauthorized (401) when it cannot be established.

        `run_db` runs the user-row read when the cache has none fresh enough.
        """
        if self.frigate_headers:
            return self._from_frigate(headers)
        self._check_proxy_secret(headers)
        if self.config.auth.enabled:
            return await self._from_token(headers, cookies, run_db)
        return self._from_proxy(headers)

    def _check_proxy_secret(self, headers: Mapping[str, str]) -> None:
        # Frigate checks the secret before anything else, with auth on or off.
        secret = self.config.proxy.auth_secret
        if secret is None:
            return
        presented = headers.get(PROXY_SECRET_HEADER, "")
        if not hmac.compare_digest(presented.encode(), secret.encode()):
            raise Unauthorized("Invalid proxy secret")

    def presented_token(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> str | None:
        """The token of a request: `Authorization: Bearer`, else the session cookie."""
        authorization = headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            token = authorization[7:].strip()
            if token:
                return token
        return cookies.get(self.config.auth.cookie_name) or None

    def session_token(self, token: str) -> SessionToken:
        """The claims of a well-signed, unexpired token with a role; Unauthorized otherwise."""
        known = self._verified.get(token)
        if known is not None and known.expires_at > time.time():
            return known
        session = self._verify(token)
        if len(self._verified) >= VERIFIED_TOKENS:
            self._verified.clear()
        self._verified[token] = session
        return session

    def _verify(self, token: str) -> SessionToken:
        try:
            claims = decode_token(token, self.jwt_secret)
        except TokenError:
            raise Unauthorized("Invalid or expired token") from None
        role = claims.get("role")
        if not isinstance(role, str):
            # Frigate refuses a token without a role; it is not a viewer's.
            raise Unauthorized("Invalid or expired token")
        issued = claims.get("iat")
        return SessionToken(
            id=token_id(token),
            user=claims["sub"],
            role=role,
            issued_at=float(issued) if isinstance(issued, int | float) else 0.0,
            expires_at=float(claims["exp"]),
        )

    async def _from_token(
        self, headers: Mapping[str, str], cookies: Mapping[str, str], run_db: RunDb
    ) -> Identity:
        token = self.presented_token(headers, cookies)
        if token is None:
            raise Unauthorized("Authentication required")
        session = self.session_token(token)
        if self.revoked.is_revoked(session.id):
            raise Unauthorized("Session ended (logged out)")
        user = await self.users.get(session.user, run_db)
        if user is None:
            raise Unauthorized("Session ended (user no longer exists)")
        changed = user.password_changed_at
        if changed is not None and session.issued_at < int(changed):
            raise Unauthorized("Session ended (password changed)")
        # The row's role, not the token's: a demotion applies within the cache time.
        return self.identity_for(session.user, user.role)

    def _from_frigate(self, headers: Mapping[str, str]) -> Identity:
        # No user header: 401, as Frigate >= 0.17. The role is taken as named; Frigate 0.14
        # and 0.15 pass a user but no role (they had none: everyone signed in saw every
        # camera), which is a viewer here. nginx replaces both headers whatever a client sent.
        user = headers.get(FRIGATE_USER_HEADER)
        if not user:
            raise Unauthorized("No authorization headers.")
        return self.identity_for(user, headers.get(FRIGATE_ROLE_HEADER) or "viewer")

    def _from_proxy(self, headers: Mapping[str, str]) -> Identity:
        header_map = self.config.proxy.header_map
        if not header_map.user and not header_map.role:
            # No proxy identity is configured: the request is the local admin, as on
            # Frigate's unauthenticated internal port 5000.
            return self.identity_for(ANONYMOUS, "admin")
        # A proxy is configured: its headers decide, and a request without them is not
        # an admin. Frigate: the user header or "viewer", the role resolved (default_role).
        user = headers.get(header_map.user.lower()) if header_map.user else None
        role_value = headers.get(header_map.role.lower()) if header_map.role else None
        return self.identity_for(user or "viewer", self.resolve_role(role_value))

    def resolve_role(self, header_value: str | None) -> str:
        """Frigate's role resolution from a proxy header (groups via role_map, or role names)."""
        proxy = self.config.proxy
        valid = self.config.role_names()
        default = proxy.default_role
        fallback = default if default is not None and default in valid else "viewer"
        if not header_value:
            return fallback
        values = [v.strip() for v in header_value.split(proxy.separator) if v.strip()]
        if proxy.header_map.role_map:
            matched = [
                role
                for role, groups in proxy.header_map.role_map.items()
                if role in valid and any(group in values for group in groups)
            ]
            if "admin" in matched:
                return "admin"
            return matched[0] if matched else fallback
        lowered = [v.lower() for v in values]
        if "admin" in lowered:
            return "admin"
        for value in lowered:
            if value in valid:
                return value
        return fallback


def build_authenticator(
    config: FrigateConfig, jwt_secret: str, work_dir: Path, *, frigate_headers: bool = False
) -> Authenticator:
    """The authenticator, its user cache, the stored logouts (read now: blocking) and the
    login guard; `work_dir` is a directory of our scratch."""
    return Authenticator(
        config,
        jwt_secret,
        users=UserDirectory(config.limits.user_cache_seconds),
        revoked=RevokedTokens.load(
            work_dir / REVOKED_FILE_NAME, max_entries=config.limits.revoked_tokens
        ),
        logins=LoginGuard.from_config(config),
        frigate_headers=frigate_headers,
    )
