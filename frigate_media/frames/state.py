"""One camera's live state: newest frame, its time, motion boxes, and a wake-up for waiters."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from frigate_media.frames.geometry import Box
from frigate_media.frames.motion import MotionHistory
from frigate_media.frames.yuv import Array, black_frame


@dataclass(frozen=True)
class Frame:
    """An immutable snapshot of a camera's newest frame (I420) and what was found on it."""

    camera: str
    data: Array
    width: int
    height: int
    time: float

    @property
    def is_placeholder(self) -> bool:
        """True for the black frame a camera has before its first real frame."""
        return self.time == 0.0


@dataclass
class CameraState:
    """Holds the newest Frame; `wait_newer` wakes every waiter once per new frame (loop-only)."""

    camera: str
    width: int
    height: int
    frame: Frame = field(init=False)
    motion: MotionHistory = field(default_factory=MotionHistory)
    frames_received: int = 0
    motion_boxes: tuple[Box, ...] = ()
    _new_frame: asyncio.Event | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        placeholder = black_frame(self.width, self.height)
        self.frame = Frame(self.camera, placeholder, self.width, self.height, 0.0)

    @property
    def frame_time(self) -> float:
        return self.frame.time

    def resize(self, width: int, height: int) -> None:
        """Adopt the ingest's real size (known once the input is probed)."""
        if (width, height) != (self.width, self.height):
            self.width, self.height = width, height
            if self.frame.is_placeholder:
                self.frame = Frame(self.camera, black_frame(width, height), width, height, 0.0)

    def publish(self, frame: Frame) -> None:
        """Make `frame` the newest and wake everyone waiting for it. Call on the event loop."""
        self.frame = frame
        self.frames_received += 1
        event, self._new_frame = self._new_frame, None
        if event is not None:
            event.set()

    def set_motion(self, boxes: list[Box], timestamp: float) -> None:
        """Record the motion found on the frame of `timestamp` (thread-safe enough: one writer)."""
        self.motion_boxes = tuple(boxes)
        if boxes:
            self.motion.add(timestamp)

    async def wait_newer(self, than: float, timeout: float) -> Frame | None:
        """The newest frame once it is newer than `than`, or None after `timeout` seconds."""
        if self.frame.time > than:
            return self.frame
        if self._new_frame is None:
            self._new_frame = asyncio.Event()
        event = self._new_frame
        try:
            async with asyncio.timeout(timeout):
                await event.wait()
        except TimeoutError:
            return None
        return self.frame if self.frame.time > than else None
