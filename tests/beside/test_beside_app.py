"""Beside Frigate, decided in the composition root: SQLite opens Frigate's DB read-only, the write
routes answer 405, the identity is Frigate's `remote-user`/`remote-role`, nothing is created in
Frigate's folders, no recorder or preview writer runs, and scratch stays outside Frigate's dirs.
Each app is built from the shipped beside-frigate.yml laid over a Frigate config.yml."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import APIRouter
from fastapi.testclient import TestClient

from frigate_media.app import build_context, build_services, build_workers, create_app
from frigate_media.config import FrigateConfig, load_config
from frigate_media.context import AppContext
from frigate_media.errors import ConfigError
from frigate_media.services.grid_clear import delete_regions_row
from frigate_media.workers.preview_writer import PreviewWriter
from frigate_media.workers.recording.service import RecorderService
from tests.beside.install import beside_config, frigate_config, write_frigate_config
from tests.conftest import REPO_ROOT, base_config_dict
from tests.hardening.world import CAMERA_A, CAMERA_B, World
from tests.support.app import app_of, context_of
from tests.support.db import create_frigate_db, insert_event

ADMIN = {"remote-user": "root", "remote-role": "admin"}
FRONT_ONLY = {"remote-user": "alice", "remote-role": "front_only"}
WRITE_ROUTES = [
    ("POST", "/events/{cam}/person/create"),
    ("PUT", "/events/{event}/end"),
    ("POST", "/{cam}/plus/1719000001.0"),
    ("DELETE", "/{cam}/region_grid"),
]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def beside_files(world: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Our file over Frigate's config.yml (with auth, a proxy section and record on)."""
    frigate = frigate_config(world)
    frigate["proxy"] = {
        "header_map": {"user": "x-forwarded-user", "role": "x-forwarded-role"},
        "auth_secret": "only-frigates-auth-checks-this",
    }
    frigate_file = write_frigate_config(world, frigate)
    workdir = tmp_path_factory.mktemp("beside-app")
    ours = workdir / "frigate-media.yml"
    ours.write_text(yaml.safe_dump(beside_config(world, frigate_file, workdir / "scratch")))
    return ours


@pytest.fixture(scope="module")
def beside_client(beside_files: Path) -> Iterator[TestClient]:
    with TestClient(create_app(load_config(beside_files), background=False)) as client:
        yield client


@pytest.mark.parametrize(("method", "template"), WRITE_ROUTES)
def test_a_write_route_answers_405_naming_the_mode(
    method: str, template: str, beside_client: TestClient, world: World
) -> None:
    url = template.format(cam=CAMERA_A, event=world[CAMERA_A].event_id)

    response = beside_client.request(method, url, headers=ADMIN, json={})

    assert response.status_code == 405
    assert response.headers["allow"] == ""  # no other method is served at these paths
    body = response.json()
    assert body["success"] is False
    assert "read-only beside Frigate (mode: beside-frigate)" in body["message"]


def test_every_route_other_than_get_carries_the_write_switch(beside_client: TestClient) -> None:
    """A new write route without `WritesFrigate` would fail here (login reads, logout writes
    only our scratch)."""
    from fastapi.routing import APIRoute

    from frigate_media.api.writes import refuse_when_read_only

    unmarked = []
    for route in app_of(beside_client).routes:
        if not isinstance(route, APIRoute) or route.methods <= {"GET", "HEAD"}:
            continue
        calls = {dependency.call for dependency in route.dependant.dependencies}
        if refuse_when_read_only not in calls and route.path != "/login":
            unmarked.append((sorted(route.methods), route.path))
    assert unmarked == []


def test_without_frigates_identity_headers_a_request_is_401(beside_client: TestClient) -> None:
    """Frigate >= 0.17: no user header, 401; Frigate's auth/proxy sections are not ours, so
    neither a missing token nor a missing proxy secret matters, and the proxy's headers don't
    count."""
    url = f"/{CAMERA_A}/latest.jpg"
    for headers in (
        {},
        {"remote-role": "admin"},
        {"x-forwarded-user": "root", "x-forwarded-role": "admin"},
    ):
        response = beside_client.get(url, headers=headers)
        assert response.status_code == 401, headers
        assert response.json() == {"success": False, "message": "No authorization headers."}
    assert beside_client.get(url, headers=ADMIN).status_code == 200
    assert beside_client.get("/version").status_code == 200  # public


def test_a_user_without_a_role_is_a_viewer_as_frigate_before_roles_had_it(
    beside_client: TestClient,
) -> None:
    """Frigate 0.14 and 0.15 send `remote-user` only: every signed-in user saw every camera."""
    headers = {"remote-user": "root"}
    assert beside_client.get(f"/{CAMERA_A}/latest.jpg", headers=headers).status_code == 200
    assert beside_client.get(f"/{CAMERA_B}/latest.jpg", headers=headers).status_code == 200
    profile = beside_client.get("/profile", headers=headers).json()
    assert profile["role"] == "viewer"


def test_the_role_frigate_passes_decides_the_cameras(beside_client: TestClient) -> None:
    assert beside_client.get(f"/{CAMERA_A}/latest.jpg", headers=FRONT_ONLY).status_code == 200
    refused = beside_client.get(f"/{CAMERA_B}/latest.jpg", headers=FRONT_ONLY)
    assert refused.status_code == 403
    profile = beside_client.get("/profile", headers=FRONT_ONLY).json()
    assert profile == {"username": "alice", "role": "front_only", "allowed_cameras": ["front"]}


def test_sqlite_itself_refuses_a_write(beside_client: TestClient, world: World) -> None:
    context = context_of(beside_client)
    before = digest(world.db_path)

    with pytest.raises(Exception, match="readonly database"):
        delete_regions_row(CAMERA_A)
    with pytest.raises(sqlite3.OperationalError, match="readonly database"):
        context.db.connection().execute("CREATE TABLE x (y)")  # type: ignore[no-untyped-call]

    assert context.read_only and digest(world.db_path) == before


def test_a_stray_write_is_a_503_naming_the_mode_never_a_500(beside_client: TestClient) -> None:
    """Every write path is off in the composition root; one that slipped through (here a probe
    route calling the region-grid write) is SQLite's refusal, answered as a JSON 503."""
    router = APIRouter()
    context = context_of(beside_client)

    @router.get("/_probe/stray-write")
    async def stray() -> None:
        await context.run_db(delete_regions_row, CAMERA_A)

    app_of(beside_client).include_router(router)

    response = beside_client.get("/_probe/stray-write", headers=ADMIN)

    assert response.status_code == 503
    assert "read-only beside Frigate (mode: beside-frigate)" in response.json()["message"]


def test_the_vod_of_an_event_without_recordings_marks_nothing(
    beside_client: TestClient, world: World
) -> None:
    """Standalone clears `has_clip` on such an old event; Frigate's table is not ours."""
    # An old event with `has_clip` and nothing recorded, written as Frigate would (not by us).
    event_id = insert_event(world.db_path, CAMERA_A, 1_600_000_000.0, 1_600_000_010.0, has_clip=1)
    before = digest(world.db_path)

    response = beside_client.get(f"/vod/event/{event_id}", headers=ADMIN)

    assert response.status_code == 404
    assert digest(world.db_path) == before


@pytest.fixture
def fresh_install(tmp_path: Path) -> Callable[..., FrigateConfig]:
    """A Frigate DB alone (no media or cache folders yet) and our config over it."""
    db = create_frigate_db(tmp_path / "config" / "frigate.db")

    def make(
        mode: str = "beside-frigate", inputs: list[Any] | None = None, **paths: str
    ) -> FrigateConfig:
        raw: dict[str, Any] = {
            "mode": mode,
            "database": {"path": str(db)},
            "paths": {
                "media": str(tmp_path / "media"),
                "cache": str(tmp_path / "cache"),
                "scratch": str(tmp_path / "scratch"),
                **paths,
            },
            "cameras": {"front": {"ffmpeg": {"inputs": inputs or []}, "record": {"enabled": True}}},
        }
        path = tmp_path / "ours.yml"
        path.write_text(yaml.safe_dump(raw))
        return load_config(path)

    return make


def test_starting_beside_frigate_creates_nothing_of_frigates(
    fresh_install: Callable[..., FrigateConfig], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FRIGATE_JWT_SECRET", raising=False)
    config_dir = tmp_path / "config"
    before = sorted(p.name for p in config_dir.iterdir())

    with TestClient(create_app(fresh_install(), background=True)) as client:
        assert client.get("/api/front/latest.jpg", headers=ADMIN).status_code == 200

    assert not (tmp_path / "media").exists() and not (tmp_path / "cache").exists()
    # No .jwt_secret: Frigate makes it; SQLite's -wal/-shm are its reader coordination files.
    assert sorted(
        p.name for p in config_dir.iterdir() if not p.name.endswith(("-wal", "-shm"))
    ) == (before)
    assert (tmp_path / "scratch").is_dir()


@pytest.mark.parametrize("scratch", ["cache/frigate-media", "media", "."])
def test_a_scratch_overlapping_frigates_dirs_is_refused_at_start(
    scratch: str, fresh_install: Callable[..., FrigateConfig], tmp_path: Path
) -> None:
    config = fresh_install(scratch=str(tmp_path / scratch))

    with pytest.raises(ConfigError, match=r"paths.scratch .* overlaps paths"):
        create_app(config, background=False)
    assert not (tmp_path / "cache").exists()


def test_a_missing_database_is_refused_not_created(tmp_path: Path) -> None:
    raw = {"database": {"path": str(tmp_path / "config" / "frigate.db")}}
    raw["paths"] = {"scratch": str(tmp_path / "scratch")}
    path = tmp_path / "ours.yml"
    path.write_text(yaml.safe_dump(raw))

    with pytest.raises(ConfigError, match="never created"):
        create_app(load_config(path), background=False)
    assert not (tmp_path / "config").exists()


def workers_for(config: FrigateConfig) -> list[type]:
    context: AppContext = build_context(config)
    try:
        services = build_services(context, context.tracked)  # type: ignore[arg-type]
        return [type(worker) for worker in build_workers(context, services.frames, enabled=True)]
    finally:
        context.auth.close()
        context.db.close()


def test_recording_cameras_get_a_recorder_standalone_and_none_beside_frigate(
    fresh_install: Callable[..., FrigateConfig],
) -> None:
    inputs = [{"path": "rtsp://127.0.0.1:8554/front", "roles": ["detect", "record"]}]

    standalone = workers_for(fresh_install(mode="standalone", inputs=inputs))
    beside = workers_for(fresh_install(inputs=inputs))

    assert RecorderService in standalone and PreviewWriter in standalone
    assert RecorderService not in beside and PreviewWriter not in beside


@pytest.mark.parametrize("command", [["index"], ["user", "add", "bob"]])
def test_commands_that_write_the_database_refuse_beside_frigate(
    command: list[str], tmp_path: Path
) -> None:
    db = create_frigate_db(tmp_path / "config" / "frigate.db")
    before = digest(db)
    config = {**base_config_dict(tmp_path), "mode": "beside-frigate"}
    path = tmp_path / "ours.yml"
    path.write_text(yaml.safe_dump(config))

    result = subprocess.run(
        [sys.executable, "-m", "frigate_media", *command, "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
    )

    assert result.returncode == 2
    assert "mode is beside-frigate" in result.stderr
    assert digest(db) == before
