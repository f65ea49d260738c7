"""The frame processor: ingest for every camera with a live source, latest frames, motion, preview
frames and tracked objects. Built by the composition root (which picks each camera's source and
whether preview frames are written); a worker when the app ingests cameras."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from frigate_media.clock import Clock
from frigate_media.config import CameraConfig, FrigateConfig, InputConfig
from frigate_media.ffmpeg.probe import open_media
from frigate_media.ffmpeg.runner import Ffmpeg
from frigate_media.frames import preview_frames
from frigate_media.frames.geometry import Box
from frigate_media.frames.ingest import CameraIngest, ingest_args
from frigate_media.frames.motion import MotionDetector
from frigate_media.frames.renderer import SharedRenderer
from frigate_media.frames.sources import LiveSource
from frigate_media.frames.state import CameraState, Frame
from frigate_media.frames.tracked import TrackedObject, TrackedObjects, colour_for

logger = logging.getLogger(__name__)

DEFAULT_WIDTH, DEFAULT_HEIGHT = 1280, 720  # when neither detect size nor a probe gives one
PROBE_TIMEOUT = 10.0
ENCODE_THREADS = 2
PRUNE_EVERY = 60.0  # seconds between preview-frame prunes


def even(value: int) -> int:
    """yuv420p needs even dimensions."""
    return max(2, value - value % 2)


class FrameProcessor:
    """Owns every camera's CameraState and, once started, the ingest that feeds it."""

    name = "frames"

    def __init__(
        self,
        config: FrigateConfig,
        runner: Ffmpeg,
        clock: Clock,
        preview_dir: Path | None,
        objects: TrackedObjects,
        sources: Mapping[str, LiveSource],
    ) -> None:
        self.config = config
        self.runner = runner
        self.clock = clock
        # Where preview frames are written (and pruned); None: never (beside Frigate they are
        # Frigate's files, read by the routes, never written here).
        self.preview_dir = preview_dir
        self.sources = dict(sources)  # camera -> its live input (frames/sources.py)
        self.objects = objects  # shared with event services (`AppContext.tracked`)
        self.states: dict[str, CameraState] = {}
        for name, camera in config.cameras.items():
            width = even(camera.detect.width or DEFAULT_WIDTH)
            height = even(camera.detect.height or DEFAULT_HEIGHT)
            self.states[name] = CameraState(name, width, height)
        self.ingests: dict[str, CameraIngest] = {}
        self._executor = ThreadPoolExecutor(ENCODE_THREADS, thread_name_prefix="frames")
        self._motion_executor = ThreadPoolExecutor(1, thread_name_prefix="motion")
        self.renderer = SharedRenderer(self._executor)
        self._detectors: dict[str, MotionDetector] = {}
        self._motion_busy: set[str] = set()
        self._preview_busy: set[str] = set()
        self._last_preview: dict[str, float] = {}
        self._last_prune = 0.0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._started = False

    # ---- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        self._started = True
        for name, source in self.sources.items():
            logger.info("%s: live frames from %s (%s)", name, _shown(source.path), source.origin)
            self._spawn(self._start_camera(name, self.config.cameras[name], source.as_input()))

    async def stop(self) -> None:
        self._started = False
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await asyncio.gather(*(i.stop() for i in self.ingests.values()), return_exceptions=True)
        self.ingests.clear()
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._motion_executor.shutdown(wait=False, cancel_futures=True)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _start_camera(self, name: str, camera: CameraConfig, source: InputConfig) -> None:
        width, height = await self._frame_size(camera, source.path)
        state = self.states[name]
        state.resize(width, height)
        self._detectors[name] = MotionDetector(width, height, camera.motion.mask)
        args = ingest_args(camera, source, self.config.ffmpeg, width, height, camera.detect.fps)

        async def sink(data: bytes) -> None:
            self._on_frame(state, data)

        ingest = CameraIngest(
            self.runner,
            args,
            width,
            height,
            camera.ffmpeg.retry_interval,
            sink,
            name=name,
        )
        self.ingests[name] = ingest
        if self._started:
            ingest.start()

    async def _frame_size(self, camera: CameraConfig, path: str) -> tuple[int, int]:
        if camera.detect.width and camera.detect.height:
            return even(camera.detect.width), even(camera.detect.height)
        try:
            width, height = await asyncio.wait_for(
                asyncio.to_thread(_probe_size, path), PROBE_TIMEOUT
            )
        except Exception as error:  # unreachable camera, odd URL: use the default size
            logger.info("%s: cannot probe input size (%s); using defaults", camera.name, error)
            width, height = DEFAULT_WIDTH, DEFAULT_HEIGHT
        if camera.detect.height and not camera.detect.width:
            width, height = int(camera.detect.height * width / height), camera.detect.height
        elif camera.detect.width and not camera.detect.height:
            width, height = camera.detect.width, int(camera.detect.width * height / width)
        return even(width), even(height)

    # ---- frames ------------------------------------------------------------------------------

    def _on_frame(self, state: CameraState, data: bytes) -> None:
        array = np.frombuffer(data, np.uint8).reshape(state.height * 3 // 2, state.width)
        frame = Frame(state.camera, array, state.width, state.height, self.clock.now())
        state.publish(frame)
        if state.camera not in self._motion_busy:
            self._motion_busy.add(state.camera)
            self._spawn(self._detect_motion(state, frame))
        self._maybe_write_preview(state, frame)

    async def _detect_motion(self, state: CameraState, frame: Frame) -> None:
        detector = self._detectors.get(state.camera)
        try:
            if detector is not None:
                luma = frame.data[: frame.height]
                loop = asyncio.get_running_loop()
                boxes = await loop.run_in_executor(self._motion_executor, detector.detect, luma)
                state.set_motion(boxes, frame.time)
        except RuntimeError:
            pass  # executor shut down while stopping
        finally:
            self._motion_busy.discard(state.camera)

    def _maybe_write_preview(self, state: CameraState, frame: Frame) -> None:
        if self.preview_dir is None:
            return
        interval = (
            preview_frames.MOTION_INTERVAL if state.motion_boxes else preview_frames.IDLE_INTERVAL
        )
        last = self._last_preview.get(state.camera)
        if last is not None and frame.time - last < interval:
            return
        if state.camera in self._preview_busy:
            return
        self._last_preview[state.camera] = frame.time
        self._preview_busy.add(state.camera)
        self._spawn(self._write_preview(state, frame))

    async def _write_preview(self, state: CameraState, frame: Frame) -> None:
        assert self.preview_dir is not None
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(
                self._executor,
                preview_frames.write_preview_frame,
                self.preview_dir,
                state.camera,
                frame.data,
                frame.width,
                frame.height,
                frame.time,
            )
            if frame.time - self._last_prune >= PRUNE_EVERY:
                self._last_prune = frame.time
                horizon = frame.time - preview_frames.KEEP_SECONDS
                for camera in self.states:
                    await loop.run_in_executor(
                        self._executor,
                        preview_frames.prune_preview_frames,
                        self.preview_dir,
                        camera,
                        horizon,
                    )
        except (OSError, RuntimeError) as error:
            logger.warning("%s: cannot write a preview frame: %s", state.camera, error)
        finally:
            self._preview_busy.discard(state.camera)

    # ---- queries -----------------------------------------------------------------------------

    def state(self, camera: str) -> CameraState | None:
        return self.states.get(camera)

    def frame_time(self, camera: str) -> float:
        """The newest frame's time; 0.0 before the first frame (as Frigate)."""
        state = self.states.get(camera)
        return state.frame_time if state is not None else 0.0

    def is_offline(self, camera: str) -> bool:
        """No frame yet, or the newest is older than the camera's `retry_interval`."""
        state = self.states.get(camera)
        config = self.config.cameras.get(camera)
        if state is None or config is None or state.frame.is_placeholder:
            return True
        return self.clock.now() > state.frame_time + config.ffmpeg.retry_interval

    def current_frame(self, camera: str) -> Frame | None:
        """The newest real frame, or None before the first one."""
        state = self.states.get(camera)
        if state is None or state.frame.is_placeholder:
            return None
        return state.frame

    def motion_between(self, camera: str, start: float, end: float) -> int:
        """Whole seconds in [start, end) with motion on this camera (for `recordings.motion`)."""
        state = self.states.get(camera)
        return state.motion.count_between(start, end) if state is not None else 0

    def track_current_frame(
        self,
        camera: str,
        object_id: str,
        label: str,
        *,
        sub_label: str | None = None,
        score: float = 1.0,
        box: Box | None = None,
    ) -> TrackedObject:
        """Start tracking a (manual) object whose best frame is the camera's current live frame."""
        state = self.states.get(camera)
        if state is None:
            raise KeyError(camera)
        frame = state.frame
        config = self.config.cameras[camera]
        area = (box[2] - box[0]) * (box[3] - box[1]) if box else 0
        obj = TrackedObject(
            id=object_id,
            camera=camera,
            label=label,
            sub_label=sub_label,
            score=score,
            box=box,
            area=area,
            frame_time=frame.time,
            best_frame=None if frame.is_placeholder else frame.data,
            best_frame_time=None if frame.is_placeholder else frame.time,
            color=colour_for(config, label, self.config.model.colormap),
            timestamp_style=config.timestamp_style,
        )
        return self.objects.add(obj)


def _shown(path: str) -> str:
    """A source for the log, without the password of an RTSP URL."""
    scheme, sep, rest = path.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if not sep or not at:
        return path
    return f"{scheme}://{userinfo.split(':', 1)[0]}:***@{host}"


def _probe_size(path: str) -> tuple[int, int]:
    """The input's video size via PyAV (blocking; the caller bounds it with a timeout)."""
    with open_media(path, timeout=PROBE_TIMEOUT) as container:
        stream = container.streams.video[0]
        return int(stream.codec_context.width), int(stream.codec_context.height)
