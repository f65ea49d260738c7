"""The composition root: `create_app(config)` builds every piece of state and wires the routes.

Construction runs in one direction: `build_context` (config, storage, ffmpeg, clock, auth and the
per-app stores), then `build_services` (the components routes call), then `build_workers` (the
long-running parts this process runs). Nothing is created later, on a first request.

The two modes differ here and nowhere else. Beside Frigate (`config.read_only`): the DB opens
read-only, Frigate's directories are neither created nor written, our files go to a scratch dir
outside them, the write routes answer 405 (`api/writes.py` reads `AppContext.read_only`),
events are never marked, the identity is Frigate's `remote-user`/`remote-role`, no JWT secret is
generated, live frames come from Frigate's go2rtc restream and write no preview frames, and
neither the recorder (with its retention) nor the preview writer runs. Standalone: all of those
are ours.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import FastAPI

from frigate_media import __version__
from frigate_media.api.deps import RouteServices
from frigate_media.api.errors import install_error_handlers
from frigate_media.api.fast_latest import LatestFrameFastPath
from frigate_media.api.head import HeadAsGetMiddleware
from frigate_media.api.limits import RequestBodyLimit
from frigate_media.api.openapi import install_media_openapi
from frigate_media.api.route_table import mount_routes
from frigate_media.api.streaming import StalledClientGuard
from frigate_media.auth.identity import build_authenticator
from frigate_media.auth.tokens import load_jwt_secret
from frigate_media.bounded import BoundedDirectory, ScratchBudget, mib
from frigate_media.clock import Clock, SystemClock
from frigate_media.config import FrigateConfig
from frigate_media.context import AppContext, BackgroundService
from frigate_media.ffmpeg.binary import resolve_ffmpeg
from frigate_media.ffmpeg.runner import Ffmpeg, FfmpegRunner
from frigate_media.frames.processor import FrameProcessor
from frigate_media.frames.sources import detect_inputs, restream_sources
from frigate_media.frames.tracked import TrackedObjects
from frigate_media.mp4.index import SampleIndex
from frigate_media.mp4.virtual import RecentClips
from frigate_media.services.events.files import is_converted_clean_webp
from frigate_media.services.events.manual import ManualEvents
from frigate_media.services.events.unrecorded import NoMarks, UnrecordedMarks
from frigate_media.services.hls import HlsService, is_segment_file
from frigate_media.services.previews.encodes import TEMP_PREFIX as PREVIEW_TEMP_PREFIX
from frigate_media.services.previews.encodes import (
    PreviewJobs,
    is_preview_mp4,
    mp4_directory,
)
from frigate_media.services.recordings.clips import ClipCache, is_clip_file
from frigate_media.services.recordings.plus import PlusTokens
from frigate_media.storage.db import open_database
from frigate_media.storage.paths import MediaPaths
from frigate_media.threads import BoundedThreads
from frigate_media.workers.mqtt import mqtt_worker
from frigate_media.workers.preview_writer import PreviewWriter
from frigate_media.workers.recording.command import records
from frigate_media.workers.recording.service import RecorderService
from frigate_media.workers.sample_indexer import SampleIndexer

logger = logging.getLogger(__name__)

MIB = 1024 * 1024
RECENT_CLIPS_BYTES = 32 * MIB  # clip.mp4 headers kept for the next Range of the same clip
FRAMES_BUSY = "Too many recorded frames are being decoded; try again shortly"


def build_runner(config: FrigateConfig) -> FfmpegRunner:
    """The ffmpeg runner with the configured binary and job limits."""
    return FfmpegRunner(
        resolve_ffmpeg(config.ffmpeg.path),
        max_jobs=config.limits.ffmpeg_jobs,
        max_streams=config.limits.ffmpeg_streams,
        share=config.limits.identity_share,
        queue_wait=config.limits.ffmpeg_queue_wait,
        default_timeout=config.limits.ffmpeg_timeout,
    )


# ---- our scratch: every cache we write, each under its cap and all under one total ----------


def build_scratch(config: FrigateConfig) -> ScratchBudget:
    """The total cap of our caches; the sample-table index bounds itself, so its cap is set
    aside from the total."""
    limits = config.limits
    return ScratchBudget(
        mib(limits.scratch_mb) - mib(limits.sample_index_mb), setting="limits.scratch_mb"
    )


def bounded_directory(
    config: FrigateConfig,
    scratch: ScratchBudget,
    directory: Path,
    *,
    name: str,
    cap: str,
    **options: Any,
) -> BoundedDirectory:
    """One cache's directory under its cap (`cap`: the `limits` key, in MiB) and the scratch
    total, indexed from disk (blocking)."""
    max_mb = float(getattr(config.limits, cap))
    files = BoundedDirectory(
        directory,
        max_bytes=mib(max_mb),
        name=name,
        budget=scratch,
        setting=f"limits.{cap}",
        **options,
    )
    files.load()
    return files


def build_preview_files(
    config: FrigateConfig, paths: MediaPaths, scratch: ScratchBudget
) -> BoundedDirectory:
    """The preview MP4 cache: our scratch, or Frigate's cache root behind its nginx."""
    return bounded_directory(
        config,
        scratch,
        mp4_directory(config, paths),
        name="preview",
        cap="preview_cache_mb",
        accepts=is_preview_mp4,
        temp_prefix=PREVIEW_TEMP_PREFIX,
    )


def build_clip_cache(config: FrigateConfig, paths: MediaPaths, scratch: ScratchBudget) -> ClipCache:
    """The ffmpeg fallback's faststart files for Range (in our scratch, `limits.clip_cache_mb`)."""
    files = bounded_directory(
        config, scratch, paths.clip_cache, name="clip", cap="clip_cache_mb", accepts=is_clip_file
    )
    return ClipCache(files)


def build_clean_snapshots(
    config: FrigateConfig, paths: MediaPaths, scratch: ScratchBudget
) -> BoundedDirectory:
    """Clean snapshots converted from legacy PNGs (in our scratch,
    `limits.clean_snapshot_cache_mb`)."""
    return bounded_directory(
        config,
        scratch,
        paths.clean_snapshots,
        name="clean snapshot",
        cap="clean_snapshot_cache_mb",
        accepts=is_converted_clean_webp,
    )


def build_sample_index(config: FrigateConfig, paths: MediaPaths) -> SampleIndex:
    """The clip sample-table index in our scratch, bounded by `limits.sample_index_mb` (its
    share of `limits.scratch_mb` is set aside by `build_scratch`). Built by whoever serves
    clips from it (the virtual MP4 clips), who also closes it."""
    limits = config.limits
    return SampleIndex(
        paths.sample_index,
        max_bytes=mib(limits.sample_index_mb),
        memory_bytes=mib(limits.sample_index_memory_mb),
    )


def build_hls(context: AppContext) -> HlsService:
    """The HLS service and its segment cache (in our scratch, under `limits.hls_cache_mb`)."""
    files = bounded_directory(
        context.config,
        context.scratch,
        context.paths.hls_cache,
        name="HLS",
        cap="hls_cache_mb",
        accepts=is_segment_file,
    )
    return HlsService(context, files)


def build_context(
    config: FrigateConfig,
    *,
    clock: Clock | None = None,
    ffmpeg: Ffmpeg | None = None,
    tracked: TrackedObjects | None = None,
) -> AppContext:
    """Open the DB, resolve ffmpeg, prepare directories, the authenticator and the stores.

    `ffmpeg` replaces the configured runner (tests); `tracked` is the frame processor's object
    store when the caller builds one (`create_app`), else a store of its own.
    """
    read_only = config.read_only
    paths = MediaPaths.from_config(config)
    if read_only:
        paths.refuse_scratch_in_frigate_dirs()
    else:
        paths.ensure_frigate_dirs()
    paths.ensure_scratch()
    # Also binds the models (see AppContext); beside Frigate SQLite refuses every write.
    db = open_database(config.database.path, read_only=read_only)
    secret_file = Path(config.database.path).resolve().parent / ".jwt_secret"
    secret = load_jwt_secret(secret_file, generate=not read_only)
    log_mode(config, paths)
    scratch = build_scratch(config)
    limits = config.limits
    return AppContext(
        config=config,
        paths=paths,
        db=db,
        ffmpeg=ffmpeg or build_runner(config),
        clock=clock or SystemClock(),
        # users, logouts (in our scratch), logins; beside Frigate: Frigate's identity headers
        auth=build_authenticator(config, secret, paths.auth_state, frigate_headers=read_only),
        previews=PreviewJobs(files=build_preview_files(config, paths, scratch)),
        clips=build_clip_cache(config, paths, scratch),
        clean_snapshots=build_clean_snapshots(config, paths, scratch),
        samples=build_sample_index(config, paths),
        assembled=RecentClips(RECENT_CLIPS_BYTES),
        frame_threads=BoundedThreads(
            limits.frame_decodes, limits.ffmpeg_queue_wait, "frame-decode", FRAMES_BUSY
        ),
        tracked=TrackedObjects() if tracked is None else tracked,
        plus_tokens=PlusTokens(),
        unrecorded=NoMarks() if read_only else UnrecordedMarks(),
        scratch=scratch,
        read_only=read_only,
    )


def log_mode(config: FrigateConfig, paths: MediaPaths) -> None:
    """One line at start saying the mode and what it means."""
    if config.read_only:
        logger.info(
            "mode beside-frigate: read-only on Frigate's database %s, media %s and cache %s; "
            "our files in %s; identity from Frigate's remote-user/remote-role headers; no "
            "recorder, retention or preview writer",
            config.database.path,
            paths.media,
            paths.cache,
            paths.scratch,
        )
    else:
        logger.info(
            "mode standalone: database %s, media %s and cache %s are ours (ingest, recorder, "
            "retention, previews); scratch in %s",
            config.database.path,
            paths.media,
            paths.cache,
            paths.scratch,
        )


def build_services(context: AppContext, tracked: TrackedObjects) -> RouteServices:
    """The components routes call: live frames (always, also without ingest), HLS, events."""
    # latest.jpg falls back to preview frames without ingest, so the processor always exists;
    # it ingests cameras only when it runs as a worker. Beside Frigate it reads Frigate's
    # restream and never writes preview frames (they are Frigate's).
    config = context.config
    frames = FrameProcessor(
        config,
        context.ffmpeg,
        context.clock,
        None if context.read_only else context.paths.preview_frames,
        tracked,
        sources=restream_sources(config) if context.read_only else detect_inputs(config),
    )
    return RouteServices(
        frames=frames,
        hls=build_hls(context),
        manual_events=ManualEvents(context, frames),
    )


def build_workers(
    context: AppContext, frames: FrameProcessor, *, enabled: bool
) -> list[BackgroundService]:
    """The long-running parts this process runs, in start order (none when not `enabled`).

    Which workers run is decided here and only here: beside Frigate (read-only) neither the
    recorder (with its retention) nor the preview writer, whatever the cameras' `record` says.
    """
    if not enabled:
        return []
    workers: list[BackgroundService] = []
    writes = not context.read_only
    if writes and any(records(camera) for camera in context.config.cameras.values()):
        workers.append(RecorderService(context, motion=frames))
    workers.append(frames)
    if writes:
        workers.append(PreviewWriter(context))
    # Reads Frigate's DB and segments only, writes to our scratch: runs beside Frigate too.
    workers.append(SampleIndexer(context))
    # Frigate's live state (running objects, best snapshots) from its broker, when configured.
    mqtt = mqtt_worker(context.config, frames)
    if mqtt is not None:
        workers.append(mqtt)
    return workers


def create_app(
    config: FrigateConfig,
    *,
    clock: Clock | None = None,
    background: bool = True,
    ffmpeg: Ffmpeg | None = None,
) -> FastAPI:
    """A ready FastAPI app serving Frigate's media API for `config`."""
    tracked = TrackedObjects()
    context = build_context(config, clock=clock, ffmpeg=ffmpeg, tracked=tracked)
    services = build_services(context, tracked)
    context.workers.extend(build_workers(context, services.frames, enabled=background))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sync dependencies run on anyio's worker threads, whose backend anyio imports on first
        # use: do it now, not on the event loop while the first request waits.
        await anyio.to_thread.run_sync(lambda: None)
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
    app.state.services = services
    install_error_handlers(app)
    app.add_middleware(HeadAsGetMiddleware)
    prefix = config.server.api_prefix
    app.add_middleware(LatestFrameFastPath, context=context, frames=services.frames, prefix=prefix)
    # Outside every layer that answers, so no layer reads a body past its cap (api/limits.py).
    app.add_middleware(
        RequestBodyLimit,
        default_limit=config.limits.max_body_bytes,
        path_limits={f"{prefix}/login": config.limits.max_login_body_bytes},
    )
    # Outermost: every response, the fast path's too, ends when its client stops reading.
    app.add_middleware(StalledClientGuard, stall_seconds=config.limits.stream_stall_seconds)
    install_media_openapi(app)
    mount_routes(app, prefix)
    return app
