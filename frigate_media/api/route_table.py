"""The route table: every router in match order, where it is mounted and who may call it.

Starlette tries routes in the order they were added and the first match wins, so the order is
part of the API. It is built here and nowhere else, in three tiers:

1. specific routes: public, then protected ones under `server.api_prefix`, then protected ones
   at the root (nginx-vod style `/vod/...` HLS names, static `/recordings`, `/clips`, `/exports`);
2. catch-alls last: `/{camera_name}/{label}/...` and `/{camera_name}` match almost any path of
   their length, so anything mounted after them would never be reached.

Within a tier the order still matters where two patterns overlap: HLS comes before the VOD
mapping JSON, because `/vod/<ym>/<d>/<h>/<cam>/master.m3u8` also fits the mapping's
`/vod/<ym>/<d>/<h>/<cam>/<tz>`. tests/api/test_route_table.py checks that every route is the
first match for a URL of its own shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import iter_route_contexts

from frigate_media.api.deps import get_identity
from frigate_media.api.routes import (
    events,
    hls,
    labels,
    live,
    previews,
    recordings,
    static,
    system,
    vod,
)


@dataclass(frozen=True)
class Mounted:
    """One router of the table: under the API prefix or at the root, public or protected."""

    router: APIRouter
    under_prefix: bool = True
    public: bool = False


SPECIFIC: tuple[Mounted, ...] = (
    Mounted(system.router, public=True),
    Mounted(live.router),
    Mounted(hls.router),  # before vod (see the module docstring)
    Mounted(vod.router),
    Mounted(recordings.router),
    Mounted(events.router),
    Mounted(previews.router),
    Mounted(static.router, under_prefix=False),
    Mounted(hls.router, under_prefix=False),
)
CATCH_ALL: tuple[Mounted, ...] = (
    Mounted(labels.router),  # /{camera_name}/{label}/thumbnail.jpg, best.jpg, snapshot.jpg ...
    Mounted(live.mjpeg_router),  # /{camera_name}
)


def route_table() -> tuple[Mounted, ...]:
    """Every router in match order: the specific ones, then the catch-alls."""
    return SPECIFIC + CATCH_ALL


def mount_routes(app: FastAPI, prefix: str, table: Sequence[Mounted] | None = None) -> None:
    """Include the routers of `table` (default: `route_table()`) in order."""
    protected = [Depends(get_identity)]
    for entry in route_table() if table is None else table:
        app.include_router(
            entry.router,
            prefix=prefix if entry.under_prefix else "",
            dependencies=None if entry.public else protected,
        )


def build_route_contexts(app: FastAPI) -> None:
    """Build every route's dependencies and parameter models now, before serving (blocking).

    FastAPI builds an included router's routes on the first request that reaches them, on the
    event loop: tens of milliseconds for that request and everyone waiting behind it. Walking
    the route contexts builds them all, into the same cache the matching uses.
    """
    for _route in iter_route_contexts(app.routes):
        pass
