"""The latest-frame query declaration: one table read by the route, the fast path and the service."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from frigate_media.api.fast_latest import parse_latest_query
from frigate_media.errors import BadRequest
from frigate_media.frames.overlays import DrawOptions
from frigate_media.services import latest_query
from frigate_media.services.latest_query import LatestRequest, latest_request


def test_the_route_takes_exactly_the_declared_parameters(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][
        "/api/{camera_name}/latest.{extension}"
    ]["get"]
    query = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
    assert set(query) == latest_query.NAMES
    assert query["quality"]["schema"]["default"] == 70
    assert "Home Assistant sends h" in query["h"]["description"]


def test_the_fast_path_parses_exactly_the_declared_parameters() -> None:
    every = "&".join(f"{name}=1" for name in sorted(latest_query.NAMES))
    assert parse_latest_query(f"{every}&cache=2&other=x".encode()) == dict.fromkeys(
        latest_query.NAMES, 1
    )


def test_absent_parameters_take_their_defaults() -> None:
    assert latest_request("jpg", {}) == LatestRequest("jpg", None, 70, False, DrawOptions())


def test_height_wins_over_its_alias_h() -> None:
    assert latest_request("jpg", {"h": 90}).height == 90
    assert latest_request("jpg", {"height": 200, "h": 90}).height == 200


def test_each_overlay_flag_switches_its_own_overlay() -> None:
    request = latest_request("webp", {"bbox": 1, "motion": 2, "paths": 1, "regions": 0})
    assert request.options == DrawOptions(bounding_boxes=True, motion_boxes=True, paths=True)
    assert request.store is False and latest_request("png", {"store": 1}).store is True


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"quality": 0}, "Invalid quality requested: 0 (use 1 to 100)"),
        ({"quality": 101}, "Invalid quality requested: 101 (use 1 to 100)"),
        ({"height": -1}, "Invalid height requested: -1 (use 0 to 10000)"),
        ({"h": 10001}, "Invalid height requested: 10001 (use 0 to 10000)"),
    ],
)
def test_values_out_of_bounds_are_bad_requests(given: dict[str, int], message: str) -> None:
    with pytest.raises(BadRequest) as raised:
        latest_query.check(latest_request("jpg", given))
    assert raised.value.message == message


def test_values_at_the_bounds_pass() -> None:
    latest_query.check(latest_request("jpg", {"quality": 1, "height": 0}))
    latest_query.check(latest_request("jpg", {"quality": 100, "height": 10000}))
