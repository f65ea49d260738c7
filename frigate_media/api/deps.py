"""Each request dependency declared once as an Annotated alias, used everywhere by that name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request

from frigate_media.auth.identity import ANONYMOUS, Identity
from frigate_media.config import CameraConfig
from frigate_media.context import AppContext
from frigate_media.errors import Forbidden
from frigate_media.fair_slots import set_requester
from frigate_media.frames.processor import FrameProcessor
from frigate_media.services.events.manual import ManualEvents
from frigate_media.services.hls import HlsService


@dataclass(frozen=True)
class RouteServices:
    """The stateful services routes call directly, built by the composition root (`app.py`).

    They are not on `AppContext` because the context imports no service; routes hand them to
    the service functions that need them.
    """

    frames: FrameProcessor
    hls: HlsService
    manual_events: ManualEvents


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


ContextDep = Annotated[AppContext, Depends(get_context)]


async def get_services(request: Request) -> RouteServices:
    services: RouteServices = request.app.state.services
    return services


ServicesDep = Annotated[RouteServices, Depends(get_services)]


async def get_frames(services: ServicesDep) -> FrameProcessor:
    return services.frames


FramesDep = Annotated[FrameProcessor, Depends(get_frames)]


async def get_hls(services: ServicesDep) -> HlsService:
    return services.hls


HlsDep = Annotated[HlsService, Depends(get_hls)]


async def get_manual_events(services: ServicesDep) -> ManualEvents:
    return services.manual_events


ManualEventsDep = Annotated[ManualEvents, Depends(get_manual_events)]


async def get_identity(request: Request, context: ContextDep) -> Identity:
    """Resolve the requester once per request (401 when auth is on and none is given)."""
    cached = getattr(request.state, "identity", None)
    if isinstance(cached, Identity):
        return cached
    identity = await context.auth.identify(request.headers, request.cookies, context.run_db)
    request.state.identity = identity
    # Work this request starts counts against this requester's share of each pool of slots.
    set_requester(requester_of(identity, request))
    return identity


def requester_of(identity: Identity, request: Request) -> str:
    """Whose share of the work slots a request uses: its user, or its client's address when
    requests carry no user (auth off without proxy headers: every request is `anonymous`)."""
    if identity.user == ANONYMOUS:
        return f"client {client_address(request)}"
    return f"user {identity.user}"


IdentityDep = Annotated[Identity, Depends(get_identity)]


def require_admin(identity: IdentityDep) -> Identity:
    """The requester, if an admin (403 otherwise): declared before a body, it is checked first."""
    if not identity.is_admin:
        raise Forbidden("Access denied. A user with the admin role is required.")
    return identity


AdminDep = Annotated[Identity, Depends(require_admin)]


def client_address(request: Request) -> str:
    """The client's address as the server resolved it (proxy hops already applied)."""
    return request.client.host if request.client is not None else "unknown"


def allowed_camera_name(
    identity: IdentityDep,
    camera_name: Annotated[str, Path(description="A camera name from the config")],
) -> str:
    """The `{camera_name}` path value after the access check (403 for a camera not allowed)."""
    identity.require_camera(camera_name)
    return camera_name


CameraNameDep = Annotated[str, Depends(allowed_camera_name)]


def allowed_camera(context: ContextDep, camera_name: CameraNameDep) -> CameraConfig:
    """The configured camera of `{camera_name}`: 403 if not allowed, then 404 if unknown."""
    return context.camera(camera_name)


CameraDep = Annotated[CameraConfig, Depends(allowed_camera)]
