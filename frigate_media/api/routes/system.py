"""Service routes: version (public), login and logout (Frigate's cookie-based sessions)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse

from frigate_media.api.deps import ContextDep, IdentityDep, client_address
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
    """Check a user and password against Frigate's `user` table and set the session cookie.

    Throttled per client address by `auth.failed_login_rate_limit` (checked before the body
    is read); the body itself is capped by `limits.max_login_body_bytes` (api/limits.py).
    """
    client = client_address(request)
    accounts.admit_login(context, client)
    user, password = await _login_fields(request)
    session = await accounts.login(context, client, user, password)
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
async def logout(request: Request, context: ContextDep) -> RedirectResponse:
    """End the session: the presented token is refused from now on, the cookie is cleared,
    and the browser goes to the login page (Frigate's 303 to `/login`)."""
    auth = context.auth
    tokens = [
        token
        for token in (
            auth.presented_token(request.headers, {}),
            request.cookies.get(context.config.auth.cookie_name),
        )
        if token
    ]
    await accounts.logout(context, tokens)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(context.config.auth.cookie_name)
    return response


@router.get("/profile")
async def profile(identity: IdentityDep) -> JSONResponse:
    """Who the request is, as Frigate's /profile answers."""
    cameras = sorted(identity.cameras) if identity.cameras is not None else None
    return JSONResponse(
        {"username": identity.user, "role": identity.role, "allowed_cameras": cameras}
    )
