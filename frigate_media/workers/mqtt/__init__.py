"""Frigate's live state over MQTT: running tracked objects and their best snapshots."""

from __future__ import annotations

from frigate_media.config import FrigateConfig
from frigate_media.frames.processor import FrameProcessor
from frigate_media.workers.mqtt.objects import FrigateObjects
from frigate_media.workers.mqtt.service import MqttWorker

__all__ = ["FrigateObjects", "MqttWorker", "mqtt_worker"]


def mqtt_worker(config: FrigateConfig, frames: FrameProcessor) -> MqttWorker | None:
    """The worker for Frigate's `mqtt` section; None when it is absent, disabled or hostless."""
    mqtt = config.mqtt
    if mqtt is None or not mqtt.active:
        return None
    return MqttWorker(mqtt, FrigateObjects(config, frames, mqtt.stale_seconds))
