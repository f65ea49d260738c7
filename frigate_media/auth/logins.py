"""What guards `POST /login`: Frigate's failed-login throttle per client and the hashing pool.

The client is the address the server resolved: the TCP peer, or, when the peer is a trusted
proxy (loopback, or `auth.trusted_proxies`), the first untrusted hop of `X-Forwarded-For`
read from the right, as Frigate's `get_remote_addr` does. `frigate-media serve` resolves it
(uvicorn's proxy-header handling, configured from the same keys); nothing else is trusted.
"""

from __future__ import annotations

from dataclasses import dataclass

from frigate_media.auth.hashing import PasswordHasher
from frigate_media.auth.rate_limit import FailureLimiter, client_key, parse_rate_limits
from frigate_media.config import FrigateConfig


@dataclass
class LoginGuard:
    """The throttle (None when `auth.failed_login_rate_limit` is unset) and the hasher."""

    limiter: FailureLimiter | None
    hasher: PasswordHasher

    @classmethod
    def from_config(cls, config: FrigateConfig) -> LoginGuard:
        rules = config.auth.failed_login_rate_limit
        return cls(
            limiter=FailureLimiter(parse_rate_limits(rules)) if rules else None,
            hasher=PasswordHasher(
                threads=config.limits.login_hash_threads,
                queue=config.limits.login_hash_queue,
                iterations=config.auth.hash_iterations,
            ),
        )

    def admit(self, client: str) -> None:
        """Count a login attempt from `client`; 429 with Retry-After when it failed too often."""
        if self.limiter is not None:
            self.limiter.begin(client_key(client))

    async def verify(self, client: str, password: str, stored: str | None) -> bool:
        """Check the password (None: no such user); a success gives back the admitted attempt."""
        matched = await self.hasher.verify(password, stored)
        if matched and self.limiter is not None:
            self.limiter.succeeded(client_key(client))
        return matched

    def close(self) -> None:
        self.hasher.close()
