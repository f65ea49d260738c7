"""Frigate's MQTT payloads: what is read from them, and what counts as malformed."""

from __future__ import annotations

import json

import pytest

from frigate_media.workers.mqtt.label_snapshots import LabelSnapshots
from frigate_media.workers.mqtt.messages import (
    MalformedMessage,
    check_jpeg,
    parse_event,
    parse_snapshot_topic,
)
from tests.workers.mqtt.frigate_messages import event_message, jpeg, object_side

# The `update` example of Frigate's MQTT docs (0.14+: `snapshot` is an object).
DOCS_EXAMPLE = {
    "type": "update",
    "before": {},
    "after": {
        "id": "1607123955.475377-mxklsc",
        "camera": "front_door",
        "frame_time": 1607123962.082975,
        "snapshot": {
            "frame_time": 1607123965.975463,
            "box": [415, 489, 528, 700],
            "area": 12728,
            "region": [260, 446, 660, 846],
            "score": 0.77546,
            "attributes": [],
        },
        "label": "person",
        "sub_label": ["Bob", 0.9],
        "top_score": 0.958984375,
        "false_positive": False,
        "start_time": 1607123955.475377,
        "end_time": None,
        "score": 0.87890625,
        "box": [432, 496, 544, 854],
        "area": 40096,
        "ratio": 0.31,
        "region": [218, 440, 693, 915],
        "current_zones": ["yard", "driveway"],
        "entered_zones": ["yard", "driveway"],
        "has_snapshot": True,
        "has_clip": True,
        "stationary": False,
        "motionless_count": 0,
        "position_changes": 2,
        "current_estimated_speed": 12.5,
        "path_data": [[[0.4, 0.6], 1607123956.0], "junk"],
    },
}


def test_the_docs_example_is_read_field_by_field() -> None:
    message = parse_event(json.dumps(DOCS_EXAMPLE).encode())
    after = message.after
    assert message.type == "update"
    assert (after.id, after.camera, after.label) == (
        "1607123955.475377-mxklsc",
        "front_door",
        "person",
    )
    assert after.sub_label == "Bob"  # Frigate's newer [name, score] pair
    assert after.box == (432, 496, 544, 854)
    assert after.region == (218, 440, 693, 915)
    assert after.area == 40096
    assert after.score == pytest.approx(0.87890625)
    assert after.top_score == pytest.approx(0.958984375)
    assert after.current_zones == ["yard", "driveway"]
    assert after.has_snapshot is True
    assert after.current_estimated_speed == 12.5
    assert after.path == [(0.4, 0.6, 1607123956.0)]  # the malformed point is skipped
    assert after.best is not None
    assert after.best.frame_time == 1607123965.975463
    assert after.best.box == (415, 489, 528, 700)
    assert after.best.score == pytest.approx(0.77546)
    assert after.best.area == 12728


def test_frigate_before_0_14_gives_only_the_snapshot_time() -> None:
    side = object_side("1700000000.0-abcdef")
    del side["snapshot"]
    side["snapshot_time"] = 1700000005.25
    message = parse_event(json.dumps({"type": "new", "after": side}).encode())
    assert message.after.best is not None
    assert message.after.best.frame_time == 1700000005.25
    assert message.after.best.box == message.after.box


def test_an_end_message_is_read() -> None:
    message = parse_event(event_message("end", "1700000000.0-abcdef"))
    assert message.type == "end"
    assert message.after.id == "1700000000.0-abcdef"


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[1, 2]",
        b'{"type": "begin", "after": {}}',
        b'{"type": "new"}',
        json.dumps({"type": "new", "after": {"camera": "cam", "label": "person"}}).encode(),
        json.dumps({"type": "new", "after": object_side("1.0-a", box=[1, 2, 3])}).encode(),
        json.dumps({"type": "new", "after": object_side("1.0-a", frame_time="soon")}).encode(),
        json.dumps({"type": "new", "after": object_side("1.0-a", box=[9, 9, 1, 1])}).encode(),
        json.dumps({"type": "new", "after": object_side("1.0-a", snapshot="x")}).encode(),
        json.dumps({"type": "new", "after": object_side("1.0-a", current_zones="yard")}).encode(),
        b'{"type": "new", "after": {"id": "1.0-a", "camera": "cam", "label": "x", "frame_time": NaN}}',
    ],
)
def test_malformed_event_payloads_are_refused(payload: bytes) -> None:
    with pytest.raises(MalformedMessage):
        parse_event(payload)


def test_snapshot_topics_name_camera_and_label() -> None:
    assert parse_snapshot_topic("frigate/cam/person/snapshot", "frigate") == ("cam", "person")
    assert parse_snapshot_topic("home/nvr/cam/car/snapshot", "home/nvr") == ("cam", "car")
    assert parse_snapshot_topic("frigate/cam/person", "frigate") is None
    assert parse_snapshot_topic("other/cam/person/snapshot", "frigate") is None


def test_a_snapshot_payload_must_be_a_jpeg() -> None:
    data = jpeg(16, 16)
    assert check_jpeg(data) == data
    with pytest.raises(MalformedMessage):
        check_jpeg(b"\x89PNG\r\n")


def test_label_snapshots_keep_the_newest_per_label_within_their_byte_budget() -> None:
    store = LabelSnapshots(max_bytes=100)
    assert store.put("cam", "person", b"a" * 40, 1.0)
    assert store.put("cam", "car", b"b" * 40, 2.0)
    assert store.put("cam", "person", b"c" * 30, 3.0)  # replaces, and becomes the newest
    assert store.total_bytes == 70
    assert store.put("cam", "dog", b"d" * 50, 4.0)  # 120 > 100: the least recent (car) goes
    assert store.get("cam", "car") is None
    assert store.get("cam", "person") is not None
    assert store.total_bytes == 80
    assert not store.put("cam", "bus", b"e" * 101, 5.0)  # alone over budget: refused
    store.drop_older_than(3.5)
    assert store.get("cam", "person") is None
    assert len(store) == 1
    assert store.total_bytes == 50
