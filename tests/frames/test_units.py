"""Frame helpers without ffmpeg: motion, preview-frame names, tracked-object images, shared encodes."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np

from frigate_media.frames.draw import calculate_region
from frigate_media.frames.motion import MotionDetector, MotionHistory
from frigate_media.frames.preview_frames import (
    most_recent_preview_frame,
    preview_frame_time,
    prune_preview_frames,
    write_preview_frame,
)
from frigate_media.frames.renderer import RenderKey, SharedRenderer
from frigate_media.frames.tracked import TrackedObject
from frigate_media.frames.yuv import black_frame


def luma_with_square(x: int, y: int) -> np.ndarray:
    luma = np.full((240, 320), 16, np.uint8)
    luma[y : y + 40, x : x + 40] = 235
    return luma


def test_motion_detector_boxes_a_moving_square() -> None:
    detector = MotionDetector(320, 240)
    assert detector.detect(luma_with_square(20, 20)) == []
    boxes = detector.detect(luma_with_square(200, 150))
    assert boxes
    assert any(x1 <= 200 and y1 <= 150 and x2 >= 230 and y2 >= 180 for x1, y1, x2, y2 in boxes)


def test_motion_mask_hides_motion_inside_it() -> None:
    detector = MotionDetector(320, 240, mask="160,0,320,0,320,240,160,240")
    detector.detect(luma_with_square(200, 20))
    assert detector.detect(luma_with_square(200, 150)) == []


def test_motion_history_counts_seconds_in_a_range() -> None:
    history = MotionHistory()
    for timestamp in (100.1, 100.7, 101.2, 105.0, 103.5):
        history.add(timestamp)
    assert history.count_between(100, 106) == 4
    assert history.count_between(101, 105) == 2
    assert history.count_between(106, 100) == 0


def test_preview_frame_names_belong_to_one_camera_only() -> None:
    assert preview_frame_time("preview_front-1712345678.901234.webp", "front") == 1712345678.901234
    assert preview_frame_time("preview_front-door-1712345678.9.webp", "front") is None
    assert preview_frame_time("preview_front-door-1712345678.9.webp", "front-door") == 1712345678.9
    assert preview_frame_time("preview_front-nan.webp", "front") is None
    assert preview_frame_time(".preview_front-1.0.webp.1.tmp", "front") is None


def test_preview_frames_are_written_found_and_pruned(tmp_path: Path) -> None:
    frame = black_frame(640, 360)
    for timestamp in (1000.0, 2000.5, 3000.25):
        write_preview_frame(tmp_path, "cam", frame, 640, 360, timestamp)
    newest = most_recent_preview_frame(tmp_path, "cam")
    assert newest is not None and newest.name == "preview_cam-3000.25.webp"
    image = cv2.imread(str(newest))
    assert image.shape[:2] == (180, 320)
    before = most_recent_preview_frame(tmp_path, "cam", before=2500)
    assert before is not None and before.name == "preview_cam-2000.5.webp"
    assert most_recent_preview_frame(tmp_path, "other") is None
    assert prune_preview_frames(tmp_path, "cam", older_than=2500) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["preview_cam-3000.25.webp"]


def tracked(best: bool = True) -> TrackedObject:
    return TrackedObject(
        id="1.0-abc",
        camera="cam",
        label="person",
        score=0.87,
        box=(100, 100, 200, 300),
        area=20000,
        best_frame=black_frame(640, 480) if best else None,
        best_frame_time=1.0 if best else None,
    )


def test_tracked_object_images_follow_frigates_rules() -> None:
    obj = tracked()
    data, frame_time = obj.get_img_bytes("jpg", bounding_box=True)
    assert frame_time == 1.0
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape[:2] == (480, 640)
    assert image[100:300, 100].max() > 200  # the white box edge on a black frame
    cropped, _ = obj.get_img_bytes("png", crop=True, height=150)
    image = cv2.imdecode(np.frombuffer(cropped, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape[:2] == (150, 150)  # a square region, resized
    thumbnail = cv2.imdecode(np.frombuffer(obj.get_thumbnail("webp"), np.uint8), cv2.IMREAD_COLOR)
    assert thumbnail.shape[0] == 175
    clean = obj.get_clean_webp()
    assert clean is not None and clean[8:12] == b"WEBP"


def test_tracked_object_without_a_frame_gives_a_black_thumbnail() -> None:
    obj = tracked(best=False)
    assert obj.get_img_bytes("jpg") == (None, None)
    assert obj.get_clean_webp() is None
    thumbnail = cv2.imdecode(np.frombuffer(obj.get_thumbnail("jpg"), np.uint8), cv2.IMREAD_COLOR)
    assert thumbnail.shape[:2] == (175, 175)
    assert thumbnail.max() < 10


def test_calculate_region_is_a_square_inside_the_frame() -> None:
    assert calculate_region((480, 640), 100, 100, 200, 300, 300, multiplier=1.1) == (
        0,
        50,
        300,
        350,
    )
    x1, y1, x2, y2 = calculate_region((480, 640), 600, 400, 639, 479, 300)
    assert (x2 - x1, y2 - y1) == (300, 300) and x2 <= 640 and y2 <= 480


def test_concurrent_requests_share_one_encode() -> None:
    calls = 0

    def produce() -> bytes:
        nonlocal calls
        calls += 1
        return b"jpeg"

    async def scenario() -> list[bytes]:
        renderer = SharedRenderer(ThreadPoolExecutor(2))
        key = RenderKey("cam", 5.0, "jpg", 320, 240, 70, "")
        results = await asyncio.gather(*(renderer.get(key, produce) for _ in range(50)))
        newer = RenderKey("cam", 6.0, "jpg", 320, 240, 70, "")
        await renderer.get(newer, produce)
        return list(results)

    results = asyncio.run(scenario())
    assert results == [b"jpeg"] * 50
    assert calls == 2  # one per frame time
