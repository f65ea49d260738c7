"""Fixtures for the event routes: an app with a proxy role header, and event media on disk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from frigate_media.config import FrigateConfig
from tests.support.db import insert_event
from tests.support.media import make_image

ROLE_HEADER = "x-test-role"
# A request without the header is admin here only because default_role says so (the default,
# as in Frigate, is viewer: a proxy-configured server never makes a header-less request admin).
PROXY_ROLES: dict[str, Any] = {
    "proxy": {"header_map": {"role": ROLE_HEADER}, "default_role": "admin"}
}
FRONT_ONLY = {ROLE_HEADER: "front_only"}


@dataclass
class EventMedia:
    """Writes events and their files where Frigate would."""

    db: Path
    media: Path

    @property
    def clips(self) -> Path:
        return self.media / "clips"

    def event(self, camera: str = "front", start: float = 1_700_000_000.0, **fields: Any) -> str:
        fields.setdefault("end", start + 10)
        end = fields.pop("end")
        return insert_event(self.db, camera, start, end, **fields)

    def snapshot(self, camera: str, event_id: str, kind: str = "jpg", **size: int) -> Path:
        names = {
            "jpg": f"{camera}-{event_id}.jpg",
            "webp": f"{camera}-{event_id}-clean.webp",
            "png": f"{camera}-{event_id}-clean.png",
        }
        return make_image(self.clips / names[kind], **size)

    def thumbnail(self, camera: str, event_id: str, width: int = 176, height: int = 176) -> Path:
        return make_image(self.clips / "thumbs" / camera / f"{event_id}.webp", width, height)


@pytest.fixture
def event_media(config_factory: Callable[..., FrigateConfig], frigate_db: Path) -> EventMedia:
    config = config_factory()
    return EventMedia(db=frigate_db, media=Path(config.paths.media))


@pytest.fixture
def events_client(client_factory: Callable[..., TestClient], frigate_db: Path) -> TestClient:
    """Auth off; requests are admin unless they send `x-test-role: <role>`."""
    return client_factory(PROXY_ROLES)
