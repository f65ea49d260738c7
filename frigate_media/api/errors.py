"""The one error handler: every failure becomes {"success": false, "message": ...}."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from frigate_media.errors import MediaError

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
        return error_response(error.status_code, error.message, error.headers)

    async def on_http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        return error_response(error.status_code, str(error.detail), dict(error.headers or {}))

    async def on_validation_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return error_response(422, describe_validation_error(error))

    async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "Internal server error")

    app.add_exception_handler(MediaError, on_media_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_unexpected)
