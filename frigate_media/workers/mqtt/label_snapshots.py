"""The newest best-snapshot JPEG Frigate published per camera and label, bounded in bytes."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class LabelSnapshot:
    """One `<prefix>/<camera>/<label>/snapshot` payload and when it arrived (monotonic)."""

    data: bytes
    received: float


class LabelSnapshots:
    """Keeps one JPEG per (camera, label); when over `max_bytes` the least recent go first.

    Used on the event loop only (the MQTT worker), so it takes no lock.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[str, str], LabelSnapshot] = OrderedDict()
        self._bytes = 0

    @property
    def total_bytes(self) -> int:
        return self._bytes

    def put(self, camera: str, label: str, data: bytes, received: float) -> bool:
        """Store `data` as the newest of (camera, label); False when it alone is over budget."""
        if len(data) > self.max_bytes:
            return False
        self._discard((camera, label))
        self._entries[(camera, label)] = LabelSnapshot(data, received)
        self._bytes += len(data)
        while self._bytes > self.max_bytes:
            oldest = next(iter(self._entries))
            self._discard(oldest)
        return True

    def get(self, camera: str, label: str) -> LabelSnapshot | None:
        return self._entries.get((camera, label))

    def drop_older_than(self, moment: float) -> None:
        for key in [k for k, entry in self._entries.items() if entry.received < moment]:
            self._discard(key)

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def _discard(self, key: tuple[str, str]) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry.data)
