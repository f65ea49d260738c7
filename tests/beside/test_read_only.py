"""Proof of read-only beside Frigate, end to end: a real server on a Frigate install whose cameras
record (`record.enabled`, record inputs on go2rtc's restream, served live by a real RTSP server)
runs for over a minute while every route is asked, Range clips, HLS, previews, snapshots (a
legacy clean PNG among them) and the write routes included. Afterwards Frigate's database and its
WAL are byte for byte what they were, every file and folder under Frigate's media and cache is
unchanged (size, mtime, content) with nothing new, and every ffmpeg the server started (argv
recorded by a wrapper named as `ffmpeg.path`) wrote only into our scratch or a pipe.
"""

from __future__ import annotations

import hashlib
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from frigate_media.imaging import decode
from tests.beside.install import (
    DETECT_HEIGHT,
    DETECT_WIDTH,
    beside_config,
    frigate_config,
    write_frigate_config,
)
from tests.beside.urls import CLIENT_FORMS, fill
from tests.conftest import RunningServer, start_server, stop_server
from tests.hardening.routes import ROUTES
from tests.hardening.world import BASE_TIME, CAMERA_A, World, build_world
from tests.support.db import insert_event
from tests.support.hls import parse_master, parse_media
from tests.support.media import ffmpeg_binary, make_image
from tests.support.rtsp import RtspSource

pytestmark = pytest.mark.e2e

RUN_SECONDS = 60.0
ADMIN = {"remote-user": "root", "remote-role": "admin"}
WRITES = [
    ("POST", "/events/{cam}/person/create"),
    ("PUT", "/events/{event}/end"),
    ("POST", "/{cam}/plus/{s}"),
    ("DELETE", "/{cam}/region_grid"),
]
FileState = tuple[str, int, int, str]  # kind, size, mtime_ns, sha256 (files) or mode (dirs)


@dataclass
class Install:
    """The Frigate install, Frigate's live DB connection, and what our server was given."""

    world: World
    frigate: sqlite3.Connection  # "Frigate running": WAL open, not checkpointed
    clean_png_event: str
    unrecorded_event: str
    rtsp: RtspSource
    scratch: Path
    argv_dir: Path


def tree(root: Path) -> dict[str, FileState]:
    """Every file and folder under `root`: kind, size, mtime and content hash."""
    found: dict[str, FileState] = {}
    for path in [root, *sorted(root.rglob("*"))]:
        info = path.lstat()
        name = str(path.relative_to(root))
        if stat.S_ISDIR(info.st_mode):
            found[name] = ("dir", 0, info.st_mtime_ns, oct(info.st_mode))
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
            found[name] = ("file", info.st_size, info.st_mtime_ns, digest)
    return found


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ffmpeg_wrapper(root: Path, argv_dir: Path) -> Path:
    """A directory with `bin/ffmpeg`: records each invocation's argv, then runs the real one."""
    binary = root / "bin" / "ffmpeg"
    binary.parent.mkdir(parents=True)
    binary.write_text(
        "#!/bin/sh\n"
        f'for arg in "$@"; do printf "%s\\0" "$arg"; done > "{argv_dir}/$$.argv"\n'
        f'exec "{ffmpeg_binary()}" "$@"\n'
    )
    binary.chmod(0o755)
    return root


@pytest.fixture(scope="module")
def install(
    tmp_path_factory: pytest.TempPathFactory, clip_factory: Callable[..., Path]
) -> Iterator[Install]:
    root = tmp_path_factory.mktemp("frigate-install")
    clip = clip_factory(seconds=10, fps=5, width=640, height=360, gop_seconds=1)
    preview = clip_factory(seconds=60, fps=1, width=320, height=180, gop_seconds=10)
    world = build_world(root, clip, preview)
    # Frigate, running: its connection stays open with a WAL it has not checkpointed, holding
    # the newest rows (a legacy event with only a clean PNG, an old event never recorded).
    frigate = sqlite3.connect(world.db_path, isolation_level=None)
    frigate.execute("PRAGMA wal_autocheckpoint=0")
    frigate.execute("SELECT count(*) FROM event").fetchall()  # opens the WAL and keeps it
    clean_png_event = insert_event(world.db_path, CAMERA_A, BASE_TIME + 12, BASE_TIME + 18)
    make_image(world.media_dir / "clips" / f"{CAMERA_A}-{clean_png_event}-clean.png", 320, 180)
    unrecorded_event = insert_event(world.db_path, CAMERA_A, BASE_TIME - 7200, BASE_TIME - 7190)
    assert Path(f"{world.db_path}-wal").stat().st_size > 0
    rtsp = RtspSource(tmp_path_factory.mktemp("rtsp")).start()
    argv_dir = root / "ffmpeg-argv"
    argv_dir.mkdir()
    yield Install(
        world, frigate, clean_png_event, unrecorded_event, rtsp, root / "scratch", argv_dir
    )
    rtsp.stop()
    frigate.close()


@dataclass
class Asked:
    method: str
    url: str
    status: int
    body: bytes


class Client:
    """Requests as Frigate's nginx forwards them (no /api prefix, Frigate's identity headers)."""

    def __init__(self, server: RunningServer) -> None:
        self.http = httpx.Client(base_url=server.base_url, headers=ADMIN, timeout=120)
        self.asked: list[Asked] = []

    def ask(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        first_chunk: bool = False,
    ) -> Asked:
        with self.http.stream(method, url, headers=headers or {}) as response:
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if first_chunk:
                    break
        asked = Asked(method, url, response.status_code, body)
        self.asked.append(asked)
        return asked

    def hls(self, base: str) -> None:
        """A player's walk: master, its index, the init and every media segment."""
        answer = self.ask(f"{base}/master.m3u8")
        if answer.status != 200:
            return  # counted with the others
        master = parse_master(answer.body.decode())
        answer = self.ask(f"{base}/{master.uri.split('?')[0]}")
        if answer.status != 200:
            return
        media = parse_media(answer.body.decode())
        self.ask(f"{base}/{media.map_uri.split('?')[0]}")
        for segment in media.segments:
            self.ask(f"{base}/{segment.uri.split('?')[0]}")


def unprefixed(url: str) -> str:
    """Frigate's nginx strips /api before frigate-media (server.api_prefix: "")."""
    return url[4:] if url.startswith("/api/") else url


def every_route(client: Client, install: Install) -> None:
    world, camera = install.world, CAMERA_A
    media = world[camera]
    s, e = f"{media.start + 1:.1f}", f"{media.start + 29:.1f}"
    # Every GET route of the hardening table and every client URL form, for camera A.
    for (method, _), access in sorted(ROUTES.items()):
        if method == "GET" and access.kind in ("camera", "public", "authenticated"):
            for url in access.urls(world, camera):
                client.ask(unprefixed(url), first_chunk=access.stream)
    for form in CLIENT_FORMS.values():
        url = unprefixed(fill(form.template, world, camera))
        client.ask(url, headers=form.headers, first_chunk=form.stream)
    # Range clips (built once into our scratch) of a range, an event, a review and a label.
    for url in (
        f"/{camera}/start/{s}/end/{e}/clip.mp4",
        f"/events/{media.event_id}/clip.mp4?padding=2",
        f"/review/{media.review_id}/clip.mp4",
        f"/{camera}/person/clip.mp4",
    ):
        client.ask(url, headers={"Range": "bytes=0-1023"})
        client.ask(url, headers={"Range": "bytes=2048-"})
    # HLS: ranges and an event, under both mounts.
    client.hls(f"/vod/{camera}/start/{s}/end/{e}")
    client.hls(f"/vod/event/{media.event_id}")
    # Previews: GIF and MP4 of a range, the review's animated preview in both formats.
    client.ask(f"/{camera}/start/{s}/end/{e}/preview.gif")
    client.ask(f"/{camera}/start/{s}/end/{e}/preview.mp4")
    client.ask(f"/review/{media.review_id}/preview?format=mp4")
    # Snapshots: the legacy clean PNG event (converted into our scratch), rendered variants.
    legacy = install.clean_png_event
    client.ask(f"/events/{legacy}/snapshot-clean.webp")
    client.ask(f"/events/{legacy}/snapshot.jpg?bbox=1&timestamp=1&crop=1&height=100")
    client.ask(f"/events/{media.event_id}/snapshot.jpg?bbox=1&quality=50")
    client.ask(f"/events/{media.event_id}/thumbnail.jpg")
    # VOD JSON of an old event nothing recorded (standalone would clear its has_clip).
    client.ask(f"/vod/event/{install.unrecorded_event}")
    # Static files, with Range, and a logout (it remembers the token in our scratch).
    for path in media.static_paths:
        client.ask(f"/{path}", headers={"Range": "bytes=0-99"})
    client.ask("/logout", headers={"Authorization": "Bearer not-a-token"})
    # The write routes.
    for method, template in WRITES:
        url = template.format(cam=camera, event=media.event_id, s=s)
        client.ask(url, method=method)


@dataclass
class Run:
    """What a finished run left: every answer, the server's log, and the state before it."""

    asked: list[Asked]
    log: str
    trees: dict[str, dict[str, FileState]]
    db: str
    wal: str


def frigate_folders(world: World) -> dict[str, Path]:
    return {"media": world.media_dir, "cache": world.cache_dir, "config": world.db_path.parent}


def folder_state(root: Path) -> dict[str, FileState]:
    # SQLite's shared memory (-shm) is where readers leave their marks: not a file of record.
    return {name: state for name, state in tree(root).items() if not name.endswith("-shm")}


@pytest.fixture(scope="module")
def run(install: Install) -> Run:
    """Serve for RUN_SECONDS while asking every route, stop the server, keep what it left."""
    world = install.world
    frigate_file = write_frigate_config(world, frigate_config(world, rtsp_port=install.rtsp.port))
    trees = {name: folder_state(root) for name, root in frigate_folders(world).items()}
    db, wal = sha256(world.db_path), sha256(Path(f"{world.db_path}-wal"))
    wrapper = ffmpeg_wrapper(world.root / "ffmpeg-wrapper", install.argv_dir)
    workdir = world.root / "frigate-media"
    workdir.mkdir()
    config = beside_config(world, frigate_file, install.scratch, {"ffmpeg": {"path": str(wrapper)}})
    server = start_server(config, workdir, ready_path="/version")
    client = Client(server)
    try:
        started = time.monotonic()
        while "x-frigate-offline" in client.http.get(f"/{CAMERA_A}/latest.jpg").headers:
            assert time.monotonic() - started < RUN_SECONDS, "no live frame from the restream"
            time.sleep(0.5)
        every_route(client, install)
        while time.monotonic() - started < RUN_SECONDS:
            client.ask(f"/{CAMERA_A}/latest.jpg")
            time.sleep(1.0)
    finally:
        client.http.close()
        stop_server(server)
    return Run(client.asked, server.log.read_text(), trees, db, wal)


def test_every_route_answered_without_a_server_error(run: Run) -> None:
    failures = [(a.method, a.url, a.status, a.body[:160]) for a in run.asked if a.status >= 500]
    assert failures == []
    assert len(run.asked) > 150
    assert "readonly database" not in run.log and "Traceback" not in run.log
    assert "mode: beside-frigate" in run.log  # the CLI's start line
    assert "mode beside-frigate: read-only on Frigate's database" in run.log  # the app's log


def test_the_write_routes_were_refused_naming_the_mode(run: Run) -> None:
    writes = [a for a in run.asked if a.method != "GET"]
    assert [a.status for a in writes] == [405] * len(WRITES)
    assert all(b"read-only beside Frigate (mode: beside-frigate)" in a.body for a in writes)


def test_the_live_frames_came_from_the_restream_at_detect_size(run: Run, install: Install) -> None:
    latest = [a for a in run.asked if a.url == f"/{CAMERA_A}/latest.jpg"]
    assert latest and all(a.status == 200 for a in latest)
    image = decode(latest[-1].body)
    assert image is not None and image.shape[:2] == (DETECT_HEIGHT, DETECT_WIDTH)
    assert install.rtsp.sessions >= 2  # both cameras' detect streams, one connection each


def test_the_database_and_its_wal_are_byte_for_byte_unchanged(run: Run, install: Install) -> None:
    db = install.world.db_path
    assert sha256(db) == run.db
    assert sha256(Path(f"{db}-wal")) == run.wal
    legacy = [a for a in run.asked if install.clean_png_event in a.url]
    assert legacy and all(a.status == 200 for a in legacy)  # rows read through Frigate's WAL
    unrecorded = [a for a in run.asked if install.unrecorded_event in a.url]
    assert [a.status for a in unrecorded] == [404]


@pytest.mark.parametrize("where", ["media", "cache", "config"])
def test_nothing_under_frigates_folders_changed_or_appeared(
    where: str, run: Run, install: Install
) -> None:
    """Files: size, mtime and hash; folders: mtime (a file made and removed again shows)."""
    assert folder_state(frigate_folders(install.world)[where]) == run.trees[where]


def test_every_ffmpeg_wrote_only_into_our_scratch_or_a_pipe(run: Run, install: Install) -> None:
    runs = [p.read_bytes().split(b"\0")[:-1] for p in sorted(install.argv_dir.glob("*.argv"))]
    assert runs, "the wrapper saw no ffmpeg"
    scratch = str(install.scratch.resolve())
    written: list[str] = []
    for argv in runs:
        args = [a.decode() for a in argv]
        inputs = {args[i + 1] for i, a in enumerate(args[:-1]) if a == "-i"}
        written += [
            arg.removeprefix("file:")
            for arg in args
            if arg.removeprefix("file:").startswith("/") and arg not in inputs
        ]
        assert args[-1].startswith(("pipe:", scratch + "/")) or args[-1] == "-", args
    assert all(path.startswith(scratch + "/") for path in written), written
    # The scratch was really used: clips for Range, HLS segments, previews, the converted PNG.
    kept = {
        p.relative_to(install.scratch).parts[0] for p in install.scratch.rglob("*") if p.is_file()
    }
    assert {"clips", "hls", "previews", "clean-snapshots"} <= kept
