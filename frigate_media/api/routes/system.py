"""Service routes: version (public), login and logout (Frigate's cookie-based sessions)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from frigate_media.api.deps import ContextDep, IdentityDep
from frigate_media.services import accounts

router = APIRouter(tags=["system"])


@router.get("/version", response_class=PlainTextResponse)
async def version() -> PlainTextResponse:
    """The Frigate API version we are compatible with, as plain text (Home Assistant reads it)."""
    return PlainTextResponse(accounts.compatible_version())


async def _login_fields(request: Request) -> tuple[str, str]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        return str(body.get("user") or ""), str(body.get("password") or "")
    form = await request.form()
    return str(form.get("user") or ""), str(form.get("password") or "")


@router.post("/login")
async def login(request: Request, context: ContextDep) -> JSONResponse:
    """Check a user and password against Frigate's `user` table and set the session cookie."""
    user, password = await _login_fields(request)
    session = await accounts.login(context, user, password)
    response = JSONResponse({"success": True, "message": "Logged in"})
    response.set_cookie(
        key=context.config.auth.cookie_name,
        value=session.token,
        httponly=True,
        expires=int(session.expires_at - context.clock.now()),
        secure=context.config.auth.cookie_secure,
        samesite="lax",
    )
    return response


@router.get("/logout")
async def logout(context: ContextDep) -> JSONResponse:
    response = JSONResponse({"success": True, "message": "Logged out"})
    response.delete_cookie(context.config.auth.cookie_name)
    return response


@router.get("/profile")
async def profile(identity: IdentityDep) -> JSONResponse:
    """Who the request is, as Frigate's /profile answers."""
    cameras = sorted(identity.cameras) if identity.cameras is not None else None
    return JSONResponse(
        {"username": identity.user, "role": identity.role, "allowed_cameras": cameras}
    )
