"""Frigate's MQTT messages applied to our tracked-object registry (no broker needed here)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from frigate_media.frames.processor import FrameProcessor
from frigate_media.frames.state import Frame
from frigate_media.frames.yuv import black_frame
from frigate_media.workers.mqtt.messages import parse_event
from frigate_media.workers.mqtt.objects import ATTRIBUTION_SLACK, FrigateObjects
from tests.support.app import frames_of
from tests.workers.mqtt.frigate_messages import event_message, jpeg

OBJECT_ID = "1700000000.5-abc123"


class Ticks:
    """A settable monotonic clock."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


@pytest.fixture
def frames(client_factory, frigate_db: Path) -> FrameProcessor:  # type: ignore[no-untyped-def]
    client: TestClient = client_factory({"model": {"colormap": {"person": [0, 255, 0]}}})
    return frames_of(client)


def publish_frame(frames: FrameProcessor, camera: str = "front", value: int = 128) -> Frame:
    """Make a live frame of ours the camera's newest (a grey I420 picture at detect size)."""
    state = frames.states[camera]
    data = black_frame(state.width, state.height).copy()
    data[: state.height] = value
    frame = Frame(camera, data, state.width, state.height, time.time())
    state.publish(frame)
    return frame


def apply(objects: FrigateObjects, kind: str, object_id: str = OBJECT_ID, **fields: object) -> None:
    objects.on_event(parse_event(event_message(kind, object_id, camera="front", **fields)))


def test_new_update_and_end_follow_frigates_object(frames: FrameProcessor) -> None:
    objects = FrigateObjects(frames.config, frames, 60, monotonic=Ticks())
    first = publish_frame(frames, value=100)
    apply(objects, "new", box=(10, 20, 110, 220), best_time=1700000001.0, current_zones=["yard"])
    tracked = frames.objects.get("front", OBJECT_ID)
    assert tracked is not None
    assert tracked.box == (10, 20, 110, 220)
    assert tracked.region == (0, 0, 320, 320)
    assert tracked.current_zones == ["yard"]
    assert tracked.best_frame_time == 1700000001.0
    assert tracked.best_frame is first.data  # our live frame when Frigate named its best
    assert tracked.best_score == pytest.approx(0.91)
    assert tracked.color == (0, 255, 0)  # the label's colormap entry
    assert tracked.frame_time == 0.0  # never drawn as "lost" on our frames

    publish_frame(frames, value=200)
    apply(objects, "update", box=(30, 20, 130, 220), best_time=1700000001.0)
    moved = frames.objects.get("front", OBJECT_ID)
    assert moved is not None and moved.box == (30, 20, 130, 220)
    assert moved.best_frame is first.data  # same best frame: the image it was taken from stays

    newer = publish_frame(frames, value=50)
    apply(objects, "update", best_time=1700000003.0, best_box=(40, 40, 140, 240))
    better = frames.objects.get("front", OBJECT_ID)
    assert better is not None and better.best_frame is newer.data
    assert better.best_box == (40, 40, 140, 240)

    apply(objects, "end")
    assert frames.objects.get("front", OBJECT_ID) is None
    assert objects.objects == []


def test_a_manual_event_of_ours_is_never_overwritten_from_the_bus(frames: FrameProcessor) -> None:
    objects = FrigateObjects(frames.config, frames, 60, monotonic=Ticks())
    mine = frames.track_current_frame("front", OBJECT_ID, "package", box=(1, 1, 5, 5))
    apply(objects, "update", box=(50, 50, 90, 90))
    apply(objects, "end")
    assert frames.objects.get("front", OBJECT_ID) is mine
    assert mine.box == (1, 1, 5, 5)


def test_objects_without_news_are_dropped_after_stale_seconds(frames: FrameProcessor) -> None:
    ticks = Ticks()
    objects = FrigateObjects(frames.config, frames, 30, monotonic=ticks)
    apply(objects, "new")
    ticks.value += 20
    apply(objects, "update")
    ticks.value += 20
    objects.sweep()
    assert frames.objects.get("front", OBJECT_ID) is not None  # 20 s since the update
    ticks.value += 11
    objects.sweep()
    assert frames.objects.get("front", OBJECT_ID) is None


def test_label_snapshots_reach_the_running_objects_of_that_label_only(
    frames: FrameProcessor,
) -> None:
    objects = FrigateObjects(frames.config, frames, 60, monotonic=Ticks())
    apply(objects, "new")
    apply(objects, "new", "1700000000.7-car001", label="car")
    image = jpeg(120, 90)
    objects.on_snapshot("front", "person", image)
    person = frames.objects.get("front", OBJECT_ID)
    car = frames.objects.get("front", "1700000000.7-car001")
    assert person is not None and person.best_jpeg == image
    assert car is not None and car.best_jpeg is None


def test_without_a_live_frame_the_label_snapshot_is_the_objects_image(
    frames: FrameProcessor,
) -> None:
    ticks = Ticks()
    objects = FrigateObjects(frames.config, frames, 60, monotonic=ticks)
    objects.on_snapshot("front", "person", jpeg(120, 90))
    ticks.value += 1  # the event follows its snapshot closely
    apply(objects, "new", best_time=1700000002.5)
    tracked = frames.objects.get("front", OBJECT_ID)
    assert tracked is not None and tracked.best_frame is None  # front has no live frame
    data, frame_time = tracked.get_img_bytes("jpg", height=45, quality=80)
    assert data is not None and frame_time == 1700000002.5
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape[:2] == (45, 60)
    thumbnail = cv2.imdecode(
        np.frombuffer(tracked.get_thumbnail("jpg"), np.uint8), cv2.IMREAD_COLOR
    )
    assert thumbnail.shape[0] == 175 and thumbnail.mean() > 40  # not the black placeholder


def test_a_label_snapshot_from_long_before_an_object_is_not_its_image(
    frames: FrameProcessor,
) -> None:
    ticks = Ticks()
    objects = FrigateObjects(frames.config, frames, 600, monotonic=ticks)
    objects.on_snapshot("front", "person", jpeg(120, 90))  # e.g. retained from an old object
    ticks.value += ATTRIBUTION_SLACK + 1
    apply(objects, "new")
    tracked = frames.objects.get("front", OBJECT_ID)
    assert tracked is not None and tracked.best_jpeg is None
    assert tracked.get_img_bytes("jpg") == (None, None)


def test_objects_of_cameras_not_in_the_config_are_ignored(
    frames: FrameProcessor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="frigate_media.workers.mqtt")
    objects = FrigateObjects(frames.config, frames, 60, monotonic=Ticks())
    for _ in range(3):
        objects.on_event(parse_event(event_message("new", OBJECT_ID, camera="garage")))
    assert frames.objects.find(OBJECT_ID) is None
    assert sum("garage" in r.getMessage() for r in caplog.records) == 1
