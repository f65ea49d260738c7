"""Tokens ended by logout: refused until they would have expired anyway.

Frigate's tokens carry no id, so a token is known by the SHA-256 of its text. The set lives in
memory (a lookup per request) and is written to a JSON file in our own scratch directory on
every logout, so a restart of this service does not bring logged-out tokens back; Frigate's
database is never written. Beside Frigate that directory is inside Frigate's cache (a tmpfs in
its compose examples): a restart of the container forgets the set; the tokens it held are
then valid again until their `exp` (at most `auth.session_length`).

The set is bounded: past `limits.revoked_tokens` entries, expired ones go first, then the ones
that expire soonest.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

from frigate_media.storage.atomic import write_atomic

logger = logging.getLogger(__name__)

FILE_NAME = "revoked-tokens.json"


def token_id(token: str) -> str:
    """The name a token is revoked under."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


class RevokedTokens:
    """Token ids with the time (Unix seconds) after which the token is dead anyway."""

    def __init__(
        self,
        path: Path | None,
        *,
        max_entries: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.max_entries = max_entries
        self.clock = clock
        self._until: dict[str, float] = {}
        self._write_lock = asyncio.Lock()

    @classmethod
    def load(cls, path: Path, *, max_entries: int) -> RevokedTokens:
        """The set stored at `path` (empty when missing or unreadable). Blocking: call at start."""
        revoked = cls(path, max_entries=max_entries)
        try:
            stored = json.loads(path.read_text())
        except FileNotFoundError:
            return revoked
        except (OSError, ValueError) as error:
            logger.warning("ignoring the revoked-token list %s: %s", path, error)
            return revoked
        if isinstance(stored, dict):
            now = revoked.clock()
            revoked._until = {
                str(key): float(value)
                for key, value in stored.items()
                if isinstance(value, int | float) and value > now
            }
            revoked._prune()
        return revoked

    def __len__(self) -> int:
        return len(self._until)

    def is_revoked(self, token_id: str) -> bool:
        return token_id in self._until

    async def revoke(self, token_id: str, expires_at: float) -> None:
        """Refuse the token from now on, and store the set (a failed write is logged)."""
        if expires_at <= self.clock() or token_id in self._until:
            return  # dead anyway, or already refused: nothing to store
        self._until[token_id] = expires_at
        self._prune()
        if self.path is None:
            return
        async with self._write_lock:
            data = json.dumps(self._until, separators=(",", ":")).encode()
            try:
                await asyncio.to_thread(write_atomic, self.path, data)
            except OSError as error:
                logger.warning(
                    "cannot store the revoked-token list in %s (%s); a restart forgets it",
                    self.path,
                    error.strerror,
                )

    def _prune(self) -> None:
        if len(self._until) <= self.max_entries:
            return
        now = self.clock()
        self._until = {key: until for key, until in self._until.items() if until > now}
        if len(self._until) > self.max_entries:
            keep = sorted(self._until.items(), key=lambda item: item[1])[-self.max_entries :]
            self._until = dict(keep)
