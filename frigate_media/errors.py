"""The one error type of frigate-media and its kinds, each mapped to an HTTP status.

    MediaError                 (500) base: every failure the API reports on purpose
    ├── BadRequest             (400) malformed or out-of-range input
    ├── Unauthorized           (401) no identity, or a bad or expired token
    ├── Forbidden              (403) the identity may not see this camera or route
    ├── NotFound               (404) camera, event, recording or file does not exist
    ├── ReadOnly               (405) a write route asked beside Frigate; carries Allow
    ├── TooLarge               (413) the request body is over its limit
    ├── Unprocessable          (422) a parameter failed validation
    ├── TooManyRequests        (429) too many failed logins from one address; carries Retry-After
    ├── RangeNotSatisfiable    (416) a byte range outside the file; carries Content-Range
    ├── UpstreamFailed         (502) ffmpeg, a camera or a remote service failed
    ├── Busy                   (503) a bounded resource is full; carries Retry-After
    └── Timeout                (504) work did not finish in its time budget

One handler in `api.errors` renders every kind as {"success": false, "message": ...}.
"""

from __future__ import annotations

import re

# An absolute file path inside a message (ffmpeg's and PyAV's errors quote the files they read).
_ABSOLUTE_PATH = re.compile(
    r"(?<![\w.:/])/(?:[^\s/'\"`,:;()\[\]]+/)+(?P<name>[^\s/'\"`,:;()\[\]]*)"
)


class MediaError(Exception):
    """A failure reported to the client with a status code and a message."""

    status_code = 500

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class BadRequest(MediaError):
    """The request is malformed or asks for something out of range."""

    status_code = 400


class Unauthorized(MediaError):
    """No identity was presented, or the token is bad or expired."""

    status_code = 401


class Forbidden(MediaError):
    """The identity is known but may not see this camera or route."""

    status_code = 403


class NotFound(MediaError):
    """The camera, row or file the request names does not exist."""

    status_code = 404


class ReadOnly(MediaError):
    """A route that writes Frigate's files or database, asked of us beside Frigate."""

    status_code = 405

    def __init__(self, message: str, *, allow: str = "") -> None:
        super().__init__(message, headers={"Allow": allow})


class TooLarge(MediaError):
    """The request body is larger than the route accepts; the connection is closed after it."""

    status_code = 413

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"Request body too large (limit {limit} bytes)", headers={"Connection": "close"}
        )


class Unprocessable(MediaError):
    """A parameter failed validation."""

    status_code = 422


class TooManyRequests(MediaError):
    """A rate limit is exhausted; the client may try again after `retry_after` seconds."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class RangeNotSatisfiable(MediaError):
    """A requested byte range lies outside the file."""

    status_code = 416

    def __init__(self, size: int) -> None:
        super().__init__(
            "Requested range not satisfiable", headers={"Content-Range": f"bytes */{size}"}
        )


class UpstreamFailed(MediaError):
    """ffmpeg, a camera or a remote service failed while serving the request."""

    status_code = 502


class Busy(MediaError):
    """A bounded resource is full; the client should retry later."""

    status_code = 503

    def __init__(self, message: str, *, retry_after: int = 2) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class Timeout(MediaError):
    """Work did not finish within its time budget."""

    status_code = 504


class ConfigError(Exception):
    """The configuration or database cannot be used; the CLI exits with status 2."""


def without_paths(text: str) -> str:
    """`text` with every absolute file path cut to its base name: answers never tell a client
    where our files live (ffmpeg's stderr, PyAV's and the OS's errors quote full paths)."""
    return _ABSOLUTE_PATH.sub(lambda match: match["name"], text)
