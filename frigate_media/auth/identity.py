"""Resolve who a request comes from (JWT, proxy headers, or open admin) and what it may see."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from frigate_media.auth.tokens import TokenError, decode_token
from frigate_media.config import FrigateConfig
from frigate_media.errors import Forbidden, Unauthorized

ANONYMOUS = "anonymous"
PROXY_SECRET_HEADER = "x-proxy-secret"


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


class Authenticator:
    """Turns request headers and cookies into an Identity, per the `auth` and `proxy` config."""

    def __init__(self, config: FrigateConfig, jwt_secret: str) -> None:
        self.config = config
        self.jwt_secret = jwt_secret

    def identity_for(self, user: str, role: str) -> Identity:
        return Identity(user=user, role=role, cameras=self.config.cameras_for_role(role))

    def identify(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> Identity:
        """The requester's identity; Unauthorized when auth is on and no valid token is given."""
        if self.config.auth.enabled:
            return self._from_token(headers, cookies)
        return self._from_proxy(headers)

    def _from_token(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> Identity:
        token = None
        authorization = headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            token = authorization[7:].strip()
        if not token:
            token = cookies.get(self.config.auth.cookie_name)
        if not token:
            raise Unauthorized("Authentication required")
        try:
            claims = decode_token(token, self.jwt_secret)
        except TokenError:
            raise Unauthorized("Invalid or expired token") from None
        role = claims.get("role")
        return self.identity_for(claims["sub"], role if isinstance(role, str) else "viewer")

    def _from_proxy(self, headers: Mapping[str, str]) -> Identity:
        proxy = self.config.proxy
        if proxy.auth_secret is not None:
            presented = headers.get(PROXY_SECRET_HEADER, "")
            if not hmac.compare_digest(presented.encode(), proxy.auth_secret.encode()):
                raise Unauthorized("Invalid proxy secret")
        user_header = proxy.header_map.user
        role_header = proxy.header_map.role
        user = headers.get(user_header.lower()) if user_header else None
        role_value = headers.get(role_header.lower()) if role_header else None
        if user is None and role_value is None:
            # No proxy identity: auth is off, so the request is the local admin.
            return self.identity_for(ANONYMOUS, "admin")
        return self.identity_for(user or "viewer", self.resolve_role(role_value))

    def resolve_role(self, header_value: str | None) -> str:
        """Frigate's role resolution from a proxy header (groups via role_map, or role names)."""
        proxy = self.config.proxy
        valid = self.config.role_names()
        fallback = proxy.default_role if proxy.default_role in valid else "viewer"
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
