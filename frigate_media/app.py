"""The composition root: `create_app(config)` wires storage, ffmpeg, auth and routers together."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI

from frigate_media import __version__
from frigate_media.api.deps import get_identity
from frigate_media.api.errors import install_error_handlers
from frigate_media.api.fast_latest import LatestFrameFastPath
from frigate_media.api.head import HeadAsGetMiddleware
from frigate_media.api.limits import RequestBodyLimit
from frigate_media.api.openapi import install_media_openapi
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
from frigate_media.auth.identity import build_authenticator
from frigate_media.auth.tokens import load_jwt_secret
from frigate_media.clock import Clock, SystemClock
from frigate_media.config import FrigateConfig
from frigate_media.context import AppContext
from frigate_media.ffmpeg.binary import resolve_ffmpeg
from frigate_media.ffmpeg.runner import FfmpegRunner
from frigate_media.frames.processor import FrameProcessor
from frigate_media.storage.db import open_database
from frigate_media.storage.paths import MediaPaths
from frigate_media.workers.mqtt import mqtt_worker
from frigate_media.workers.preview_writer import PreviewWriter
from frigate_media.workers.recording.command import records
from frigate_media.workers.recording.service import RecorderService

logger = logging.getLogger(__name__)

# Routers mounted under `server.api_prefix`, in match order. Camera-first dynamic routes
# (`/{camera}/{label}/...`) must stay last so `/events/...` and `/preview/...` win.
PUBLIC_API_ROUTERS: list[APIRouter] = [system.router]
PROTECTED_API_ROUTERS: list[APIRouter] = [
    live.router,
    hls.router,  # before vod: `/vod/<ym>/<d>/<h>/<cam>/master.m3u8` is not a time zone
    vod.router,
    recordings.router,
    events.router,
    previews.router,
    labels.router,  # after every /events/, /review/, /preview/ route: it would capture them
    live.mjpeg_router,  # last: /{camera_name} captures any single segment
]
# Routers at the root: nginx-vod style /vod/... HLS names, static /recordings, /clips, /exports.
PROTECTED_ROOT_ROUTERS: list[APIRouter] = [static.router, hls.router]


def build_context(config: FrigateConfig, *, clock: Clock | None = None) -> AppContext:
    """Open the DB, resolve ffmpeg, prepare directories and the authenticator."""
    paths = MediaPaths.from_config(config)
    paths.ensure()
    db = open_database(config.database.path)
    runner = FfmpegRunner(
        resolve_ffmpeg(config.ffmpeg.path),
        max_jobs=config.limits.ffmpeg_jobs,
        queue_wait=config.limits.ffmpeg_queue_wait,
        default_timeout=config.limits.ffmpeg_timeout,
    )
    secret = load_jwt_secret(Path(config.database.path).resolve().parent / ".jwt_secret")
    return AppContext(
        config=config,
        paths=paths,
        db=db,
        ffmpeg=runner,
        clock=clock or SystemClock(),
        auth=build_authenticator(config, secret, paths.work),  # authlimits: users, logouts, logins
    )


def add_background_services(context: AppContext, *, enabled: bool) -> None:
    """Attach the long-running services (frame ingest, recorder, preview writer, ...)."""
    # The frame processor always exists (latest.jpg falls back to previews without ingest);
    # it ingests cameras only when started as a background service.
    context.frames = FrameProcessor(
        context.config, context.ffmpeg, context.clock, context.paths.preview_frames
    )
    if not enabled:
        return
    if any(records(camera) for camera in context.config.cameras.values()):
        context.background.append(RecorderService(context))
    context.background.append(context.frames)
    context.background.append(PreviewWriter(context))
    # Frigate's live state (running objects, best snapshots) from its broker, when configured.
    mqtt = mqtt_worker(context.config, context.frames)
    if mqtt is not None:
        context.background.append(mqtt)


def create_app(
    config: FrigateConfig,
    *,
    clock: Clock | None = None,
    background: bool = True,
    context: AppContext | None = None,
) -> FastAPI:
    """A ready FastAPI app serving Frigate's media API for `config`."""
    context = context or build_context(config, clock=clock)
    add_background_services(context, enabled=background)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await context.start()
        try:
            yield
        finally:
            await context.stop()

    app = FastAPI(
        title="frigate-media",
        version=__version__,
        description="Frigate NVR's media API, standalone.",
        lifespan=lifespan,
    )
    app.state.context = context
    install_error_handlers(app)
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(LatestFrameFastPath, context=context, prefix=config.server.api_prefix)
    # authlimits: outermost, so no layer reads a body past its cap (api/limits.py).
    app.add_middleware(
        RequestBodyLimit,
        default_limit=config.limits.max_body_bytes,
        path_limits={f"{config.server.api_prefix}/login": config.limits.max_login_body_bytes},
    )
    install_media_openapi(app)
    prefix = config.server.api_prefix
    protected = [Depends(get_identity)]
    for router in PUBLIC_API_ROUTERS:
        app.include_router(router, prefix=prefix)
    for router in PROTECTED_API_ROUTERS:
        app.include_router(router, prefix=prefix, dependencies=protected)
    for router in PROTECTED_ROOT_ROUTERS:
        app.include_router(router, dependencies=protected)
    return app
