"""Every route × {admin, viewer, camera-A role, no identity, bad token} → the expected status.

The routes come from the app's own route table; a route without an entry in
`tests/hardening/routes.py` fails here. Camera B's media must never reach the camera-A role.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest

from frigate_media.app import create_app
from frigate_media.config import parse_config
from tests.conftest import RunningServer, base_config_dict
from tests.hardening.conftest import AUTH_ON, Caller, callers
from tests.hardening.routes import BIRDSEYE_URLS, ROUTES, Access, mounted_routes
from tests.hardening.world import CAMERA_A, CAMERA_B, World

pytestmark = pytest.mark.e2e
# Birdseye shows every camera; with birdseye restream off (our config) it is 404 for those allowed.
LATEST_ROUTES = {("GET", "/api/{}/latest.{}"), ("GET", "/api/{}/latest.jpg")}
BIRDSEYE_OK = frozenset({200, 404})
TEXT_TYPES = ("application/json", "text/", "application/vnd.apple.mpegurl", "audio/mpegurl")


@dataclass(frozen=True)
class Probe:
    method: str
    url: str
    camera: str | None
    caller: Caller
    access: Access

    def expected(self) -> frozenset[int]:
        kind, role = self.access.kind, self.caller.role
        if kind == "public":
            return self.access.ok
        if role is None:
            return frozenset({401})
        if kind == "admin":
            return self.access.ok if role == "admin" else frozenset({403})
        if kind == "birdseye":
            return self.access.ok if role in ("admin", "viewer") else frozenset({403})
        if kind == "authenticated" or role in ("admin", "viewer"):
            return self.access.ok
        return self.access.ok if self.camera == CAMERA_A else frozenset({403})


@dataclass(frozen=True)
class Outcome:
    probe: Probe
    status: int
    content_type: str
    text: str  # the body (text types) or the first bytes (binary), for the leak check


def fetch(client: httpx.Client, probe: Probe) -> Outcome:
    with client.stream(probe.method, probe.url, headers=probe.caller.headers) as response:
        content_type = response.headers.get("content-type", "")
        if probe.access.stream and response.status_code == 200:
            body = next(response.iter_raw(), b"")
        else:
            body = response.read()
    text = body.decode("utf-8", "replace") if content_type.startswith(TEXT_TYPES) else ""
    return Outcome(probe, response.status_code, content_type, text)


def problems_of(outcome: Outcome, world: World) -> list[str]:
    probe = outcome.probe
    label = f"{probe.caller.name}: {probe.method} {probe.url} -> {outcome.status}"
    expected = probe.expected()
    problems = []
    if outcome.status not in expected:
        problems.append(f"{label}, expected {sorted(expected)} ({outcome.text[:120]!r})")
    if outcome.status in (401, 403) and not outcome.content_type.startswith("application/json"):
        problems.append(f"{label}: refusal is not JSON ({outcome.content_type})")
    if probe.caller.role == "front_only" and probe.access.kind != "public" and outcome.status < 300:
        leaked = [m for m in leak_markers(world) if m in outcome.text]
        if leaked:
            problems.append(f"{label}: camera B media reached the camera-A role: {leaked}")
    return problems


def leak_markers(world: World) -> list[str]:
    b = world[CAMERA_B]
    return [f"/{CAMERA_B}/", f"preview_{CAMERA_B}-", b.event_id, b.review_id, b.export_id]


def probes_for(app_routes: list[tuple[str, str, str]], world: World) -> list[Probe]:
    probes = []
    for method, key, _raw in app_routes:
        access = ROUTES[(method, key)]
        cameras: tuple[str | None, ...] = (CAMERA_A, CAMERA_B)
        if access.kind in ("public", "authenticated"):
            cameras = (None,)
        for camera in cameras:
            for url in access.urls(world, camera or CAMERA_A):
                probes.extend(Probe(method, url, camera, c, access) for c in callers())
        if (method, key) in LATEST_ROUTES:
            birdseye = Access("birdseye", lambda w, c: list(BIRDSEYE_URLS), ok=BIRDSEYE_OK)
            for url in BIRDSEYE_URLS:
                probes.extend(Probe(method, url, None, c, birdseye) for c in callers())
    return probes


def secured_app_routes(world: World) -> list[tuple[str, str, str]]:
    config = parse_config({**base_config_dict(world.root / "route-table"), **AUTH_ON})
    return mounted_routes(create_app(config, background=False))


def test_every_mounted_route_has_an_access_entry(world: World) -> None:
    missing = [
        f"{method} {raw}"
        for method, key, raw in secured_app_routes(world)
        if (method, key) not in ROUTES
    ]
    assert not missing, (
        "routes without an entry in tests/hardening/routes.py (add how to fill them for "
        f"camera A and B and who may call them): {missing}"
    )


def test_each_route_answers_each_caller_as_expected_and_never_leaks_camera_b(
    world: World, world_server_factory: Callable[..., RunningServer]
) -> None:
    server = world_server_factory(AUTH_ON)
    routes = [r for r in secured_app_routes(world) if (r[0], r[1]) in ROUTES]
    probes = probes_for(routes, world)
    assert len(probes) >= 5 * len(routes)
    reads = [p for p in probes if p.method == "GET"]
    writes = [p for p in probes if p.method != "GET"]
    problems: list[str] = []
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        with ThreadPoolExecutor(4) as pool:
            outcomes = list(pool.map(lambda p: fetch(client, p), reads))
        # Writes last and in order, so a DELETE cannot change what a GET above saw.
        outcomes += [fetch(client, p) for p in writes]
        for outcome in outcomes:
            problems += problems_of(outcome, world)
        assert client.get("/api/version").status_code == 200
    assert not problems, "\n".join(problems)
