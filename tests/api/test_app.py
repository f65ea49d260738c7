"""The app shell: version, the one error shape, 422 naming the parameter, prefixes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, Query
from fastapi.testclient import TestClient

from frigate_media import __version__
from frigate_media.errors import NotFound
from tests.support.app import app_of


def test_version_is_plain_text(client: TestClient) -> None:
    response = client.get("/api/version")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text.endswith(__version__)


def test_unknown_routes_get_the_json_error_shape(client: TestClient) -> None:
    response = client.get("/api/no/such/route/at/all")
    assert response.status_code == 404
    assert response.json() == {"success": False, "message": "Not Found"}


def test_media_errors_and_validation_errors_share_one_shape(client: TestClient) -> None:
    router = APIRouter()

    @router.get("/api/raise")
    def raising() -> None:
        raise NotFound("Camera not found")

    @router.get("/api/typed")
    def typed(height: int = Query(1)) -> dict[str, int]:
        return {"height": height}

    app_of(client).include_router(router)
    assert client.get("/api/raise").json() == {"success": False, "message": "Camera not found"}
    response = client.get("/api/typed?height=tall")
    assert response.status_code == 422
    body = response.json()
    assert body["success"] is False
    assert "'height'" in body["message"]


def test_an_empty_api_prefix_serves_at_the_root(
    client_factory: Callable[..., TestClient], frigate_db: Path
) -> None:
    client = client_factory({"server": {"api_prefix": ""}})
    assert client.get("/version").status_code == 200
    assert client.get("/api/version").status_code == 404
