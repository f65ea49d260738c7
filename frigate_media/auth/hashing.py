"""Password checks on their own small, bounded thread pool, equally slow for unknown users.

PBKDF2 at Frigate's 600,000 iterations costs a core for a noticeable fraction of a second. On
the shared thread pool, a burst of wrong passwords queued ahead of every file read and image
encode; here at most `threads` run and `queue` wait, and any further check is refused at once
(503 + Retry-After) instead of piling up. A check for a user that does not exist hashes with
the configured iteration count too, so its timing does not tell which names exist.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from frigate_media.auth.passwords import ALGORITHM, verify_password
from frigate_media.errors import Busy

RETRY_AFTER = 2


class PasswordHasher:
    """Verifies passwords against Frigate's hashes, `threads` at a time, `queue` more waiting."""

    def __init__(self, *, threads: int, queue: int, iterations: int) -> None:
        self.capacity = threads + queue
        self.iterations = iterations
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="pbkdf2")
        self._admitted = 0  # checks running or waiting in the pool (not just awaited ones)
        self._lock = threading.Lock()
        # Never matches (its digest is not base64 of a digest), costs what a real hash costs.
        self._unknown_user_hash = f"{ALGORITHM}${iterations}${secrets.token_hex(16)}$-"

    async def verify(self, password: str, stored: str | None) -> bool:
        """True when `password` matches `stored`; None (no such user) is hashed and False."""
        with self._lock:
            if self._admitted >= self.capacity:
                raise Busy("Too many logins in progress", retry_after=RETRY_AFTER)
            self._admitted += 1
        target = self._unknown_user_hash if stored is None else stored
        try:
            job = self._executor.submit(verify_password, password, target)
        except RuntimeError:  # shut down
            self._release(None)
            raise Busy("Logins are not accepted now", retry_after=RETRY_AFTER) from None
        # The slot is freed when the hash ends, not when the request stops waiting for it.
        job.add_done_callback(self._release)
        matched = await asyncio.wrap_future(job)
        return matched and stored is not None

    def _release(self, _job: Future[bool] | None) -> None:
        with self._lock:
            self._admitted -= 1

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
