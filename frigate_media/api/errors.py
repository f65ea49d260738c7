"""The one error handler: every failure becomes {"success": false, "message": ...}."""

from __future__ import annotations

import errno
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from frigate_media.errors import MediaError, without_paths
from frigate_media.storage.db import OPERATIONAL_ERRORS, is_read_only_refusal

logger = logging.getLogger(__name__)


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"success": False, "message": message}, status_code=status, headers=headers)


def describe_validation_error(error: RequestValidationError) -> str:
    """One sentence naming the first bad parameter and what was wrong with it."""
    problems = []
    for item in error.errors()[:3]:
        location = [str(part) for part in item.get("loc", ())]
        where = location[0] if location else "request"
        name = ".".join(location[1:]) or where
        problems.append(f"Invalid {where} parameter '{name}': {item.get('msg', 'invalid value')}")
    return "; ".join(problems) or "Invalid request"


# Storage faults (disk full, cache not writable, out of file handles) are the host's state,
# not a bug: answer 507/503 JSON so clients retry, instead of a bare 500.
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
UNAVAILABLE_ERRNOS = frozenset(
    {
        errno.EROFS,
        errno.EACCES,
        errno.EPERM,
        errno.ENOTDIR,
        errno.EEXIST,
        errno.EMFILE,
        errno.ENFILE,
        errno.EIO,
    }
)
STORAGE_RETRY_AFTER = "30"


def install_error_handlers(app: FastAPI) -> None:
    async def on_media_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, MediaError)
        if error.status_code >= 500:
            logger.warning(
                "%s %s -> %s: %s",
                request.method,
                request.url.path,
                error.status_code,
                error.message,
            )
        # Messages name files by their base name only, whoever built them (ffmpeg's stderr,
        # PyAV and the OS quote absolute paths).
        return error_response(error.status_code, without_paths(error.message), error.headers)

    async def on_http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        return error_response(error.status_code, str(error.detail), dict(error.headers or {}))

    async def on_validation_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return error_response(422, describe_validation_error(error))

    async def on_os_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, OSError)
        if error.errno not in FULL_ERRNOS | UNAVAILABLE_ERRNOS:
            raise error
        logger.error("storage fault on %s %s: %s", request.method, request.url.path, error)
        reason = error.strerror or "storage error"
        headers = {"Retry-After": STORAGE_RETRY_AFTER}
        if error.errno in FULL_ERRNOS:
            return error_response(507, f"Insufficient storage: {reason}", headers)
        return error_response(503, f"Storage unavailable: {reason}", headers)

    async def on_database_error(request: Request, error: Exception) -> JSONResponse:
        # SQLite's refusal on a read-only connection (beside Frigate). Every write path is
        # switched off in the composition root, so reaching this is a bug: logged with its
        # stack, answered 503 JSON naming the mode (this request cannot be served in this
        # mode), never a bare 500. Any other database error stays a 500.
        if not is_read_only_refusal(error):
            raise error
        logger.error(
            "a write reached the read-only database on %s %s (a bug)",
            request.method,
            request.url.path,
            exc_info=error,
        )
        return error_response(
            503,
            "This request needs a write to Frigate's database, and frigate-media is read-only "
            "beside Frigate (mode: beside-frigate)",
        )

    async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "Internal server error")

    app.add_exception_handler(MediaError, on_media_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(OSError, on_os_error)
    for kind in OPERATIONAL_ERRORS:
        app.add_exception_handler(kind, on_database_error)
    app.add_exception_handler(Exception, on_unexpected)
