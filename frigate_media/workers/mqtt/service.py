"""The MQTT worker: subscribes to Frigate's events and best snapshots, reconnecting with backoff.

A background service like the recorder: started and stopped by the app's lifespan. Messages
are applied on the event loop (they are small; the JPEGs are only stored). A malformed payload
is logged once per topic and ignored. While the broker is away the objects age out through
the sweep, so the routes fall back to Frigate's files.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets

import aiomqtt

from frigate_media.config import MqttConfig
from frigate_media.workers.mqtt.messages import (
    MalformedMessage,
    check_jpeg,
    parse_event,
    parse_snapshot_topic,
)
from frigate_media.workers.mqtt.objects import FrigateObjects

logger = logging.getLogger(__name__)

FIRST_RETRY = 1.0  # seconds before the first reconnect; doubled up to LAST_RETRY
LAST_RETRY = 30.0
MAX_SWEEP_INTERVAL = 5.0


def client_id(config: MqttConfig) -> str:
    """An id of our own: a second client with Frigate's id would push Frigate off the broker."""
    return f"{config.client_id}-media-{secrets.token_hex(3)}"


class MqttWorker:
    """Keeps `FrigateObjects` fed from Frigate's broker while the app runs."""

    name = "mqtt"

    def __init__(
        self,
        config: MqttConfig,
        objects: FrigateObjects,
        *,
        first_retry: float = FIRST_RETRY,
        last_retry: float = LAST_RETRY,
    ) -> None:
        self.config = config
        self.objects = objects
        self.first_retry = first_retry
        self.last_retry = last_retry
        self.identifier = client_id(config)
        self.connected = asyncio.Event()  # set while subscribed (tests wait on it)
        self._prefix = config.topic_prefix.rstrip("/")
        self._malformed_topics: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def topics(self) -> tuple[str, str]:
        return f"{self._prefix}/events", f"{self._prefix}/+/+/snapshot"

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._run(), name="mqtt"),
            asyncio.create_task(self._sweep(), name="mqtt-sweep"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        self.connected.clear()
        self.objects.clear()

    # ---- connection --------------------------------------------------------------------------

    def _client(self) -> aiomqtt.Client:
        config = self.config
        tls = None
        if config.tls_ca_certs is not None:
            tls = aiomqtt.TLSParameters(
                ca_certs=config.tls_ca_certs,
                certfile=config.tls_client_cert,
                keyfile=config.tls_client_key,
            )
        return aiomqtt.Client(
            config.host,
            config.port,
            username=config.user,
            password=config.password,
            identifier=self.identifier,
            transport=config.transport,
            tls_params=tls,
            tls_insecure=config.tls_insecure,
            logger=logging.getLogger(f"{__name__}.client"),
        )

    async def _run(self) -> None:
        delay = self.first_retry
        failing = False
        where = f"{self.config.host}:{self.config.port}"
        while True:
            try:
                async with self._client() as client:
                    for topic in self.topics:
                        await client.subscribe(topic)
                    logger.info("MQTT: connected to %s, listening on %s", where, self.topics)
                    self.connected.set()
                    delay, failing = self.first_retry, False
                    async for message in client.messages:
                        self._dispatch(message)
            except aiomqtt.MqttError as error:
                # One warning per outage; the retries of the same outage go to debug.
                log = logger.debug if failing else logger.warning
                log("MQTT: %s unavailable (%s); retrying in %.0f s", where, error, delay)
                failing = True
            except Exception:  # a bad TLS file, a host paho refuses: keep trying, say it once
                if not failing:
                    logger.exception("MQTT: cannot connect to %s; retrying", where)
                failing = True
            self.connected.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.last_retry)

    async def _sweep(self) -> None:
        interval = min(self.objects.stale_seconds / 4, MAX_SWEEP_INTERVAL)
        while True:
            await asyncio.sleep(interval)
            self.objects.sweep()

    # ---- messages ----------------------------------------------------------------------------

    def _dispatch(self, message: aiomqtt.Message) -> None:
        topic = message.topic.value
        payload = message.payload
        if not isinstance(payload, bytes | bytearray):
            payload = str(payload).encode() if payload is not None else b""
        try:
            if topic == self.topics[0]:
                self.objects.on_event(parse_event(bytes(payload)))
                return
            names = parse_snapshot_topic(topic, self._prefix)
            if names is not None:
                self.objects.on_snapshot(*names, check_jpeg(bytes(payload)))
        except MalformedMessage as error:
            if topic not in self._malformed_topics:
                self._malformed_topics.add(topic)
                logger.warning("MQTT: ignoring a malformed message on %s: %s", topic, error)
        except Exception:  # a bug must not end the subscription
            logger.exception("MQTT: handling a message on %s failed", topic)
