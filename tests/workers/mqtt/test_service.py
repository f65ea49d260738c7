"""The MQTT worker against a real mosquitto: Frigate-shaped messages in, routes' bytes out."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from frigate_media.config import MqttConfig
from frigate_media.workers.mqtt.service import client_id
from tests.frames.conftest import wait_until
from tests.support.app import context_of
from tests.support.db import insert_event
from tests.support.mosquitto import Broker
from tests.workers.mqtt.conftest import HEIGHT, WIDTH, grey_camera, wait_connected, worker_of
from tests.workers.mqtt.frigate_messages import event_message, jpeg

OBJECT_ID = "1700000000.25-mqtt01"
BOX = (200, 120, 360, 400)
BEST_TIME = 1700000001.25
EVENTS = "frigate/events"

MqttClient = Callable[..., TestClient]


def decode(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "not an image"
    return image


def green_mask(image: np.ndarray) -> np.ndarray:
    """Pixels of the box colour (BGR green), with room for JPEG's colour blur."""
    b, g, r = (image[:, :, i].astype(int) for i in range(3))
    return (g > 170) & (g - r > 90) & (g - b > 90)


def assert_box_drawn(image: np.ndarray, box: tuple[int, int, int, int]) -> None:
    """The label's filled rectangle and the box's edges are green, and only around the box."""
    mask = green_mask(image)
    assert mask.sum() > 500, "no box colour in the image"
    x1, y1, x2, y2 = box
    ys, xs = np.nonzero(mask)
    assert xs.min() >= x1 - 3 and xs.max() <= max(x2 + 3, x1 + 250)
    assert ys.min() >= y1 - 30 and ys.max() <= y2 + 3
    edge = mask[y1 + 10 : y2 - 10, x2 - 2 : x2 + 3].any(axis=1)  # the right edge, row by row
    assert edge.mean() > 0.9


def publish_event(broker: Broker, kind: str, object_id: str = OBJECT_ID, **fields: object) -> None:
    fields.setdefault("box", BOX)
    fields.setdefault("best_time", BEST_TIME)
    broker.publish(EVENTS, event_message(kind, object_id, **fields))


def wait_status(client: TestClient, url: str, status: int, timeout: float = 15.0) -> httpx.Response:
    responses: list[httpx.Response] = []

    def check() -> bool:
        responses.append(client.get(url))
        return responses[-1].status_code == status

    wait_until(check, timeout)
    return responses[-1]


def test_a_running_frigate_event_gets_a_snapshot_from_our_live_frame_and_its_box(
    mqtt_client: MqttClient, broker: Broker
) -> None:
    client = mqtt_client()
    url = f"/api/events/{OBJECT_ID}/snapshot.jpg"
    assert client.get(url).status_code == 404
    publish_event(broker, "new")
    response = wait_status(client, url + "?bbox=1&quality=95", 200)
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["x-frame-time"] == str(BEST_TIME)
    assert response.headers["cache-control"] == "no-store"
    boxed = decode(response.content)
    assert boxed.shape[:2] == (HEIGHT, WIDTH)
    assert_box_drawn(boxed, BOX)

    plain = decode(client.get(url + "?bbox=0&quality=95").content)
    assert green_mask(plain).sum() == 0
    assert abs(float(plain.mean()) - 128) < 20  # our grey live frame

    small = decode(client.get(url + "?height=120").content)
    assert small.shape[:2] == (120, 160)
    cropped = decode(client.get(url + "?crop=1&bbox=1").content)
    assert cropped.shape[0] == cropped.shape[1] < HEIGHT  # a square around the object
    assert green_mask(cropped).sum() > 100
    stamped = decode(client.get(url + "?timestamp=1&bbox=0&quality=95").content).astype(int)
    difference = np.abs(stamped - plain.astype(int)).sum(axis=2)
    assert difference[:60, : WIDTH // 2].sum() > 0  # the time, top left
    low = client.get(url + "?quality=5&bbox=1").content
    high = client.get(url + "?quality=100&bbox=1").content
    assert len(low) < len(high)


def test_a_running_frigate_event_has_thumbnails(mqtt_client: MqttClient, broker: Broker) -> None:
    client = mqtt_client()
    publish_event(broker, "new")
    response = wait_status(client, f"/api/events/{OBJECT_ID}/thumbnail.jpg", 200)
    assert response.headers["content-type"] == "image/jpeg"
    thumbnail = decode(response.content)
    assert thumbnail.shape[0] == 175
    assert abs(float(thumbnail.mean()) - 128) < 20  # the crop of our grey frame, not black
    webp = client.get(f"/api/events/{OBJECT_ID}/thumbnail.webp")
    assert webp.status_code == 200
    assert webp.content[:4] == b"RIFF" and webp.content[8:12] == b"WEBP"


def test_bbox_on_latest_draws_the_box_of_a_frigate_object(
    mqtt_client: MqttClient, broker: Broker
) -> None:
    client = mqtt_client()
    box = (40, 80, 240, 300)
    publish_event(broker, "new", box=box, best_box=(0, 0, 10, 10))  # live: the current box
    wait_until(lambda: green_mask(decode(client.get("/api/cam/latest.jpg?bbox=1").content)).any())
    boxed = decode(client.get("/api/cam/latest.jpg?bbox=1&quality=95").content)
    assert_box_drawn(boxed, box)
    assert green_mask(decode(client.get("/api/cam/latest.jpg?quality=95").content)).sum() == 0
    publish_event(broker, "end", box=box)
    wait_until(
        lambda: not green_mask(decode(client.get("/api/cam/latest.jpg?bbox=1").content)).any()
    )


def test_end_drops_the_object_and_the_snapshot_falls_back_to_frigates_files(
    mqtt_client: MqttClient, broker: Broker, frigate_db: Path, tmp_path: Path
) -> None:
    # Frigate has written the running event's row and its clean copy (64x48), as it does.
    insert_event(frigate_db, "cam", 1700000000.25, None, id=OBJECT_ID)
    clean = np.full((48, 64, 3), (200, 30, 30), np.uint8)
    clean_path = tmp_path / "media" / "clips" / f"cam-{OBJECT_ID}-clean.webp"
    clean_path.parent.mkdir(parents=True, exist_ok=True)
    clean_path.write_bytes(cv2.imencode(".webp", clean)[1].tobytes())
    client = mqtt_client()
    url = f"/api/events/{OBJECT_ID}/snapshot.jpg"
    assert decode(client.get(url).content).shape[:2] == (48, 64)

    publish_event(broker, "new")
    wait_until(lambda: decode(client.get(url).content).shape[:2] == (HEIGHT, WIDTH))
    publish_event(broker, "end")
    wait_until(lambda: decode(client.get(url).content).shape[:2] == (48, 64))

    # Without a row, an ended object has nothing left: 404, as Frigate answers.
    publish_event(broker, "new", "1700000002.5-norow1")
    wait_status(client, "/api/events/1700000002.5-norow1/snapshot.jpg", 200)
    publish_event(broker, "end", "1700000002.5-norow1")
    response = wait_status(client, "/api/events/1700000002.5-norow1/snapshot.jpg", 404)
    assert response.json() == {"success": False, "message": "Event not found"}


def test_an_object_without_news_is_dropped_after_the_stale_time(
    mqtt_client: MqttClient, broker: Broker
) -> None:
    client = mqtt_client(stale_seconds=1.0)
    publish_event(broker, "new")
    url = f"/api/events/{OBJECT_ID}/thumbnail.jpg"
    wait_status(client, url, 200)
    wait_status(client, url, 404)  # no update for a second: gone


def test_when_the_broker_goes_away_the_state_is_dropped_and_comes_back_with_it(
    mqtt_client: MqttClient, broker: Broker
) -> None:
    client = mqtt_client(stale_seconds=2.0)
    publish_event(broker, "new")
    url = f"/api/events/{OBJECT_ID}/snapshot.jpg"
    wait_status(client, url, 200)
    broker.stop()
    wait_until(lambda: not worker_connected(client), 15)
    wait_status(client, url, 404)
    broker.start()
    wait_connected(client)
    publish_event(broker, "update")
    wait_status(client, url, 200)


def worker_connected(client: TestClient) -> bool:
    return worker_of(client).connected.is_set()


def test_a_malformed_payload_is_ignored_with_one_log_line_per_topic(
    mqtt_client: MqttClient, broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="frigate_media.workers.mqtt")
    client = mqtt_client()
    for payload in (b"garbage", b'{"type": "new"}', b"[]"):
        broker.publish(EVENTS, payload)
    for _ in range(2):
        broker.publish("frigate/cam/person/snapshot", b"\x89PNG not a jpeg")
    publish_event(broker, "new")  # the subscription survives them
    wait_status(client, f"/api/events/{OBJECT_ID}/snapshot.jpg", 200)
    lines = [r.getMessage() for r in caplog.records if "malformed" in r.getMessage()]
    assert len([line for line in lines if EVENTS + ":" in line]) == 1
    assert len([line for line in lines if "frigate/cam/person/snapshot" in line]) == 1


def test_without_a_live_frame_the_snapshot_is_frigates_best_jpeg(
    mqtt_client: MqttClient, broker: Broker
) -> None:
    client = mqtt_client(live=False)
    best = jpeg(200, 150, (40, 160, 220))
    broker.publish("frigate/front/person/snapshot", best, retain=True)
    publish_event(broker, "new", camera="front")
    url = f"/api/events/{OBJECT_ID}/snapshot.jpg"
    response = wait_status(client, url, 200)
    assert response.headers["x-frame-time"] == str(BEST_TIME)
    image = decode(response.content)
    assert image.shape[:2] == (150, 200)
    assert np.abs(image.reshape(-1, 3).mean(axis=0) - (40, 160, 220)).max() < 10
    assert decode(client.get(url + "?height=75").content).shape[:2] == (75, 100)
    best_jpg = client.get("/api/front/person/best.jpg")
    assert best_jpg.status_code == 200
    thumbnail = decode(best_jpg.content)
    assert thumbnail.shape[:2] == (175, 233)
    assert np.abs(thumbnail.reshape(-1, 3).mean(axis=0) - (40, 160, 220)).max() < 10


def test_best_jpg_shows_the_running_object_before_frigate_writes_its_row(
    mqtt_client: MqttClient, broker: Broker, frigate_db: Path
) -> None:
    older = jpeg(100, 175, (255, 0, 0))
    insert_event(
        frigate_db, "cam", 1690000000.0, 1690000010.0, thumbnail=base64.b64encode(older).decode()
    )
    client = mqtt_client()
    before = decode(client.get("/api/cam/person/best.jpg").content)
    assert before[:, :, 0].mean() > 200  # the older event's blue thumbnail
    publish_event(broker, "new")
    wait_until(lambda: decode(client.get("/api/cam/person/best.jpg").content)[:, :, 0].mean() < 160)
    running = client.get("/api/cam/person/best.jpg")
    assert running.headers["cache-control"] == "no-store"
    image = decode(running.content)
    assert image.shape[0] == 175
    assert abs(float(image.mean()) - 128) < 20  # the crop of our grey frame
    assert client.get("/api/cam/any/best.jpg").content == running.content


def test_our_client_id_is_never_frigates() -> None:
    config = MqttConfig(host="broker")
    assert client_id(config) != config.client_id
    assert client_id(config).startswith("frigate-media-")
    assert client_id(config) != client_id(config)


def test_a_broker_that_is_not_up_yet_is_retried_while_the_app_serves(
    client_factory: Callable[..., TestClient], frigate_db: Path, tmp_path: Path
) -> None:
    broker = Broker(tmp_path / "late-broker")  # its port, nothing listening yet
    client = client_factory(
        {"cameras": {"cam": grey_camera()}, "mqtt": {"host": "127.0.0.1", "port": broker.port}},
        background=True,
    )
    try:
        assert client.get("/api/version").status_code == 200
        assert not worker_connected(client)
        broker.start()
        wait_connected(client)  # the backoff is 1, 2, 4 ... s: it comes back on its own
        publish_event(broker, "new")
        wait_status(client, f"/api/events/{OBJECT_ID}/thumbnail.jpg", 200)
    finally:
        broker.stop()


@pytest.mark.parametrize("mqtt", [None, {"enabled": False, "host": "127.0.0.1"}, {"enabled": True}])
def test_no_worker_runs_without_an_enabled_mqtt_section_with_a_host(
    client_factory: Callable[..., TestClient], frigate_db: Path, mqtt: dict[str, object] | None
) -> None:
    client = client_factory({"mqtt": mqtt} if mqtt else None, background=True)
    names = [worker.name for worker in context_of(client).workers]
    assert "mqtt" not in names
    assert "frames" in names
