"""Live images: the latest frame (with overlays, offline fallback, birdseye), MJPEG parts, grid."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from frigate_media import imaging
from frigate_media.auth.identity import Identity
from frigate_media.context import AppContext
from frigate_media.errors import BadRequest, NotFound
from frigate_media.file_identity import FileIdentity, cached_by_identity
from frigate_media.frames import preview_frames, yuv
from frigate_media.frames.birdseye import compose
from frigate_media.frames.overlays import DrawOptions, render
from frigate_media.frames.processor import FrameProcessor
from frigate_media.frames.renderer import RenderKey
from frigate_media.frames.state import CameraState, Frame
from frigate_media.frames.yuv import Array, scaled_width, to_bgr
from frigate_media.services import latest_query
from frigate_media.services.latest_query import HEIGHT, LatestRequest

ERROR_IMAGE = Path(__file__).resolve().parent.parent / "assets" / "camera-error.jpg"
MAX_FPS = 30
MJPEG_QUALITY = 70
PACING_SLACK = 0.9  # share of 1/fps a viewer waits before taking the next frame
MJPEG_KEEPALIVE = 1.0  # seconds: resend the last frame this often when none is new
BIRDSEYE = "birdseye"


@dataclass(frozen=True)
class LiveImage:
    """A latest-frame answer before it is encoded: what it is, and how to get its bytes.

    `key` changes whenever the bytes would (frame, format, size, quality, overlays), so a client
    that already holds it needs no encode at all; `encode` makes (or reuses) the bytes.
    """

    key: str
    image_format: str
    offline: bool  # the camera is offline and this is its newest preview frame
    encode: Callable[[], Awaitable[bytes]] = field(repr=False, compare=False)


def check_fps(fps: int) -> None:
    if not 0 < fps <= MAX_FPS:
        raise BadRequest(f"Invalid fps requested: {fps} (use 1 to {MAX_FPS})")


def output_size(width: int, height: int, asked: int | None, cap: int) -> tuple[int, int]:
    """Frigate's size rule (0 or none: native) with the height capped at `cap`."""
    out_h = min(asked or height, cap)
    return scaled_width(width, height, out_h), out_h


def content_key(*parts: object) -> str:
    """A short digest of everything that decides an image's bytes."""
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=12).hexdigest()


# ---- producers (blocking; run on the frame processor's threads) -----------------------------


def _encode_live(
    frame: Frame,
    state: CameraState,
    context: AppContext,
    processor: FrameProcessor,
    request: LatestRequest,
    size: tuple[int, int],
) -> bytes:
    out_w, out_h = size
    if not request.options.any and request.ext in ("jpg", "jpeg"):
        return yuv.jpeg(frame.data, frame.width, frame.height, out_w, out_h, request.quality)
    if not request.options.any and request.ext == "webp":
        return yuv.webp(frame.data, out_w, out_h, request.quality)
    if request.options.any:
        camera = context.config.cameras[frame.camera]
        objects = processor.objects.on_camera(frame.camera)
        image = render(frame, state, camera, objects, request.options)
    else:
        image = to_bgr(frame.data)
    return imaging.encode(imaging.resize(image, out_w, out_h), request.ext, request.quality)


def _encode_still(image: Array, ext: str, size: tuple[int, int], quality: int) -> bytes:
    return imaging.encode(imaging.resize(image, size[0], size[1]), ext, quality)


@functools.lru_cache(maxsize=1)
def error_image() -> Array:
    """The shipped camera-error picture (decoded once)."""
    image = imaging.read(ERROR_IMAGE)
    if image is None:  # the package is broken; still answer with an image
        return np.full((720, 1280, 3), 40, np.uint8)
    return image


def _preview_gone(path: str) -> NotFound:
    return NotFound(f"Preview frame {Path(path).name} is gone")


@cached_by_identity(maxsize=64, missing=_preview_gone)  # called with a path
def _decode_preview(file: FileIdentity) -> Array | None:
    return imaging.read(file.path)


def _load_preview(directory: Path, camera: str, before: float | None) -> tuple[str, Array] | None:
    """The newest usable preview frame of this camera: (file name, BGR image)."""
    path = preview_frames.most_recent_preview_frame(directory, camera, before)
    if path is None:
        return None
    try:
        image = _decode_preview(str(path))
    except NotFound:
        return None
    return (path.name, image) if image is not None else None


# ---- services --------------------------------------------------------------------------------


async def latest_frame(
    context: AppContext,
    processor: FrameProcessor,
    identity: Identity,
    camera_name: str,
    request: LatestRequest,
) -> LiveImage:
    """The newest frame of a camera as an image; never an error for a known camera."""
    latest_query.check(request)
    camera = context.config.cameras.get(camera_name)
    if camera is None:
        birdseye = context.config.birdseye
        if camera_name == BIRDSEYE and birdseye.enabled and birdseye.restream:
            identity.require_all_cameras("birdseye")
            return _birdseye(context, processor, request)
        raise NotFound("Camera not found")
    state = processor.state(camera_name)
    assert state is not None
    cap = state.height
    loop = asyncio.get_running_loop()

    if not processor.is_offline(camera_name):
        frame = state.frame
        size = output_size(frame.width, frame.height, request.height, cap)
        options = request.options.key()
        key = content_key(
            camera_name, repr(frame.time), request.ext, *size, request.quality, options
        )
        render_key = RenderKey(
            camera_name, frame.time, request.ext, *size, request.quality, options
        )
        produce = functools.partial(_encode_live, frame, state, context, processor, request, size)
        encode = functools.partial(processor.renderer.get, render_key, produce)
        return LiveImage(key, request.ext, False, encode)

    before = state.frame_time if state.frame_time > 0 else None
    preview = await loop.run_in_executor(
        None, _load_preview, context.paths.preview_frames, camera_name, before
    )
    if preview is not None:
        source, image = preview
    else:
        source, image = "error", error_image()
    size = output_size(image.shape[1], image.shape[0], request.height, max(cap, 1))
    key = content_key(camera_name, source, request.ext, *size, request.quality)
    render_key = RenderKey(f"{camera_name}:{source}", 0.0, request.ext, *size, request.quality, "")
    produce = functools.partial(_encode_still, image, request.ext, size, request.quality)
    encode = functools.partial(processor.renderer.get, render_key, produce)
    return LiveImage(key, request.ext, preview is not None, encode)


def _birdseye(context: AppContext, processor: FrameProcessor, request: LatestRequest) -> LiveImage:
    config = context.config.birdseye
    live = [
        frame
        for name in context.config.cameras
        if not processor.is_offline(name) and (frame := processor.current_frame(name)) is not None
    ]
    newest = max((frame.time for frame in live), default=0.0)
    size = output_size(config.width, config.height, request.height, config.height)
    cameras = ",".join(frame.camera for frame in live)
    key = content_key(BIRDSEYE, repr(newest), cameras, request.ext, *size, request.quality)

    def produce() -> bytes:
        canvas = compose(live, config.width, config.height)
        return _encode_still(canvas, request.ext, size, request.quality)

    render_key = RenderKey(BIRDSEYE, newest, request.ext, *size, request.quality, cameras)
    encode = functools.partial(processor.renderer.get, render_key, produce)
    return LiveImage(key, request.ext, False, encode)


def mjpeg_part(jpeg: bytes) -> bytes:
    """One part of Frigate's multipart stream."""
    return b"--frame\r\nContent-Type: image/jpeg\r\n\r\n" + jpeg + b"\r\n\r\n"


async def mjpeg_stream(
    context: AppContext,
    processor: FrameProcessor,
    camera_name: str,
    fps: int,
    height: int,
    options: DrawOptions,
) -> AsyncIterator[bytes]:
    """Validate, then return an async generator of MJPEG parts woken by each new frame."""
    check_fps(fps)
    HEIGHT.check(height)
    context.camera(camera_name)
    state = processor.state(camera_name)
    if state is None:
        raise NotFound("Camera not found")
    request = LatestRequest("jpg", height, MJPEG_QUALITY, False, options)
    return _mjpeg_parts(context, processor, state, request, fps)


async def _mjpeg_parts(
    context: AppContext,
    processor: FrameProcessor,
    state: CameraState,
    request: LatestRequest,
    fps: int,
) -> AsyncIterator[bytes]:
    interval = 1.0 / fps
    last_sent = -1.0
    while True:
        frame = await state.wait_newer(last_sent, max(interval, MJPEG_KEEPALIVE))
        if frame is None:
            frame = state.frame  # nothing new: repeat the last frame so the stream stays alive
        size = output_size(frame.width, frame.height, request.height, state.height)
        key = RenderKey(
            state.camera, frame.time, "jpg", *size, request.quality, request.options.key()
        )
        body = await processor.renderer.get(
            key,
            functools.partial(_encode_live, frame, state, context, processor, request, size),
        )
        sent_at = time.monotonic()
        yield mjpeg_part(body)
        last_sent = frame.time
        # Pace to `fps` with a little slack, so a camera running at exactly `fps` loses no frame.
        delay = sent_at + interval * PACING_SLACK - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
