"""JSON request bodies read as a dependency, so identity and access are decided first.

FastAPI reads and parses a body parameter before it solves any dependency: bad JSON from a
stranger got 422 before the 401, and a big body was read before anyone was asked who sent it.
Declared after the access dependencies (`json_body(Model)` in a route's signature), the body
is read only once those passed; the byte cap of `api/limits.py` applies while it streams in.
A test keeps every route free of FastAPI body parameters.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return True  # FastAPI's default: a body without a type is tried as JSON
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def json_body(model: type[M]) -> Callable[[Request], Awaitable[M | None]]:
    """A dependency giving the request's JSON body as `model` (None when there is no body)."""

    async def read(request: Request) -> M | None:
        raw = await request.body()
        if not raw:
            return None
        if not _is_json(request.headers.get("content-type")):
            raise RequestValidationError(
                [{"type": "model_attributes_type", "loc": ("body",), "msg": "expected JSON"}]
            )
        try:
            data = json.loads(raw)
        except ValueError as error:
            raise RequestValidationError(
                [{"type": "json_invalid", "loc": ("body",), "msg": f"JSON decode error: {error}"}]
            ) from None
        try:
            return model.model_validate(data)
        except ValidationError as error:
            problems = [{**item, "loc": ("body", *item["loc"])} for item in error.errors()]
            raise RequestValidationError(problems) from None

    return read


def json_body_openapi(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` documenting the optional JSON body a `json_body` route reads."""
    return {
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }
