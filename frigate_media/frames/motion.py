"""A light motion detector on a downscaled luma plane, and a per-second history of motion."""

from __future__ import annotations

import bisect
import threading
from collections import deque

import cv2
import numpy as np
import numpy.typing as npt

from frigate_media.frames.geometry import Box, mask_image

DETECT_HEIGHT = 180  # pixels: motion is found on a small copy of the luma plane
THRESHOLD = 25  # luma difference that counts as change
MIN_AREA_FRACTION = 0.0005  # contours smaller than this share of the frame are noise
BACKGROUND_ALPHA = 0.2  # how fast the running background follows the scene
HISTORY_SECONDS = 4 * 3600
DILATE_KERNEL = np.ones((3, 3), np.uint8)  # recorder and preview jobs look back at most this far


class MotionDetector:
    """Finds moving areas between consecutive frames of one camera (not thread-safe: one caller)."""

    def __init__(self, width: int, height: int, mask: str | list[str] | None = None) -> None:
        self.width, self.height = width, height
        self.small_h = min(DETECT_HEIGHT, height)
        self.small_w = max(1, round(width * self.small_h / height))
        self._mask = None
        if mask:
            # Mask coordinates are in detect pixels: draw at full size, then shrink.
            full = mask_image(mask, width, height)
            self._mask = cv2.resize(
                full, (self.small_w, self.small_h), interpolation=cv2.INTER_NEAREST
            )
        self._background: npt.NDArray[np.float32] | None = None
        self._min_area = MIN_AREA_FRACTION * self.small_w * self.small_h

    def detect(self, luma: npt.NDArray[np.uint8]) -> list[Box]:
        """Boxes (in full-frame pixels) where `luma` differs from the running background."""
        small = cv2.resize(luma, (self.small_w, self.small_h), interpolation=cv2.INTER_AREA)
        small = cv2.GaussianBlur(small, (3, 3), 0)
        if self._mask is not None:
            small = np.where(self._mask == 0, 0, small).astype(np.uint8)
        if self._background is None:
            self._background = small.astype(np.float32)
            return []
        background = cv2.convertScaleAbs(self._background)
        delta = cv2.absdiff(small, background)
        cv2.accumulateWeighted(small, self._background, BACKGROUND_ALPHA)
        _, binary = cv2.threshold(delta, THRESHOLD, 255, cv2.THRESH_BINARY)
        binary = cv2.dilate(binary, DILATE_KERNEL, iterations=2)
        contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        scale_x, scale_y = self.width / self.small_w, self.height / self.small_h
        boxes: list[Box] = []
        for contour in contours:
            if cv2.contourArea(contour) < self._min_area:
                continue
            x, y, w, h = cv2.boundingRect(contour)
            boxes.append(
                (
                    int(x * scale_x),
                    int(y * scale_y),
                    min(self.width - 1, int((x + w) * scale_x)),
                    min(self.height - 1, int((y + h) * scale_y)),
                )
            )
        return boxes


class MotionHistory:
    """The whole seconds in which a camera saw motion, kept for a few hours (thread-safe)."""

    def __init__(self, keep_seconds: float = HISTORY_SECONDS) -> None:
        self.keep_seconds = keep_seconds
        self._seconds: deque[int] = deque()
        self._lock = threading.Lock()

    def add(self, timestamp: float) -> None:
        second = int(timestamp)
        with self._lock:
            if self._seconds and self._seconds[-1] >= second:
                if self._seconds[-1] == second:
                    return
                # The clock went backwards: keep the list sorted by inserting in place.
                index = bisect.bisect_left(self._seconds, second)
                if index < len(self._seconds) and self._seconds[index] == second:
                    return
                self._seconds.insert(index, second)
            else:
                self._seconds.append(second)
            horizon = second - self.keep_seconds
            while self._seconds and self._seconds[0] < horizon:
                self._seconds.popleft()

    def count_between(self, start: float, end: float) -> int:
        """How many whole seconds in [start, end) had motion."""
        if not end > start:
            return 0
        with self._lock:
            seconds = list(self._seconds)
        low = bisect.bisect_left(seconds, int(start))
        high = bisect.bisect_left(seconds, end)
        return max(0, high - low)
