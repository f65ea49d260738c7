"""The route table's order: every route is the first match for a URL of its own shape.

Starlette answers with the first route whose pattern matches, so a catch-all mounted too early
(`/{camera_name}/{label}/thumbnail.jpg`, `/{camera_name}`) or the VOD mapping JSON before HLS
silently steals URLs. For every mounted route this fills its parameters twice (plain values,
then the file extension clients send), walks the app's routes in match order and checks that
the first to match each URL is the route itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fastapi.routing
import pytest
from fastapi import FastAPI
from fastapi.routing import RouteContext, iter_route_contexts
from fastapi.testclient import TestClient

from frigate_media.api.route_table import (
    Mounted,
    build_route_contexts,
    mount_routes,
    route_table,
)
from frigate_media.api.routes import events, hls, labels, live, system, vod
from frigate_media.app import create_app
from frigate_media.config import FrigateConfig

# Parameter values tried in turn; each parameter gets the first its convertor accepts. The
# second set is what clients put where an extension goes (`thumbnail.{extension}`).
SAMPLES = (("x1", "1", "master.m3u8"), ("jpg", "1", "master.m3u8"))


def sample_urls(route: RouteContext) -> list[str]:
    """URLs of the route's own shape: `/api/{camera}/latest.{extension}` -> `/api/x1/latest.x1`."""
    assert route.path_format is not None
    urls: list[str] = []
    for samples in SAMPLES:
        url = route.path_format
        for name, convertor in route.param_convertors.items():
            value = next(s for s in samples if re.fullmatch(convertor.regex, s))
            url = url.replace("{" + name + "}", value)
        urls.append(url)
    return urls


def routes_in_match_order(app: FastAPI) -> list[RouteContext]:
    return [route for route in iter_route_contexts(app.routes) if route.path is not None]


def misrouted(app: FastAPI) -> list[str]:
    """`METHOD url: route -> first match` for each route some earlier route shadows."""
    routes = routes_in_match_order(app)
    found: list[str] = []
    for route in routes:
        for url in sample_urls(route):
            for method in sorted(route.methods or ()):
                first = next(
                    r for r in routes if method in (r.methods or ()) and r.path_regex.fullmatch(url)
                )
                # The same endpoint mounted twice (HLS under the prefix and at the root) is fine.
                if first.endpoint is not route.endpoint:
                    found.append(f"{method} {url}: {route.path} -> {first.path}")
    return found


@pytest.mark.parametrize("prefix", ["/api", ""])
def test_every_route_is_the_first_match_for_its_own_urls(
    config_factory: Callable[..., FrigateConfig], frigate_db: Path, prefix: str
) -> None:
    app = create_app(config_factory({"server": {"api_prefix": prefix}}), background=False)
    routes = routes_in_match_order(app)
    assert len(routes) > 40  # the whole table was walked, not an empty app
    assert misrouted(app) == []


def test_the_catch_alls_come_last_and_hls_before_vod() -> None:
    routers = [entry.router for entry in route_table()]
    assert routers[-2:] == [labels.router, live.mjpeg_router]
    assert routers.index(hls.router) < routers.index(vod.router)


def test_a_catch_all_moved_before_specific_routes_is_caught() -> None:
    app = FastAPI()
    wrong = (
        Mounted(live.mjpeg_router),  # /{camera_name} before /version
        Mounted(system.router, public=True),
        Mounted(labels.router),  # /{camera_name}/{label}/thumbnail.jpg before the event routes
        Mounted(events.router),
        Mounted(vod.router),  # the mapping JSON before HLS
        Mounted(hls.router),
    )
    mount_routes(app, "/api", wrong)
    problems = misrouted(app)
    assert "GET /api/version: /api/version -> /api/{camera_name}" in problems
    assert (
        "GET /api/events/jpg/thumbnail.jpg: /api/events/{event_id}/thumbnail.{extension} "
        "-> /api/{camera_name}/{label}/thumbnail.jpg"
    ) in problems
    assert any(p.startswith("GET /api/vod/x1/x1/x1/x1/master.m3u8:") for p in problems)


def test_routes_built_before_serving_are_not_built_again_by_the_first_requests(
    config_factory: Callable[..., FrigateConfig], frigate_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(config_factory(), background=False)
    build_route_contexts(app)
    builds: list[str] = []
    original = fastapi.routing.get_dependant

    def counting(*args: Any, **kwargs: Any) -> Any:
        builds.append(getattr(kwargs.get("call"), "__name__", "?"))
        return original(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "get_dependant", counting)
    with TestClient(app) as client:
        assert client.get("/api/version").status_code == 200
        assert client.get("/api/front/latest.jpg").status_code in (200, 404)
        assert client.get("/api/events/nope/thumbnail.jpg").status_code == 404
        assert client.get("/vod/front/start/1/end/2/index.m3u8").status_code in (200, 404)
    assert builds == []
