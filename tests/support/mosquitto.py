"""A real MQTT broker for tests: Debian's mosquitto on a free port, everything under a temp dir,
and a small publisher (paho, which aiomqtt brings along)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from paho.mqtt import publish

from tests.conftest import free_port
from tests.support.processes import stop_process

MOSQUITTO = "/usr/sbin/mosquitto"


def mosquitto_binary() -> str:
    """The broker binary (`make system-deps` installs it); fails loudly when it is missing."""
    found = shutil.which("mosquitto") or (MOSQUITTO if Path(MOSQUITTO).exists() else None)
    if found is None:
        raise RuntimeError("mosquitto is not installed: run `make system-deps`")
    return found


class Broker:
    """One mosquitto process; `stop()` and `start()` again keep the same port."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config = workdir / "mosquitto.conf"
        self.log = workdir / "mosquitto.log"
        # No persistence: retained messages live in memory only, nothing is written anywhere.
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
            "log_dest stderr\nlog_type error\nlog_type warning\n"
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [mosquitto_binary(), "-c", str(self.config)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                cwd=self.workdir,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start listening")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, timeout=10)
        self.process = None

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        publish.single(topic, payload, qos=1, retain=retain, hostname="127.0.0.1", port=self.port)
