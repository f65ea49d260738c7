"""The latest-frame query, declared once: every parameter's name, alias, default and bounds, and
the service request built from the values given.

The FastAPI route (its signature and OpenAPI), the fast path (which names it parses) and the
service (its 400s) all read this table, so a parameter is added or changed here only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from frigate_media.errors import BadRequest
from frigate_media.frames.overlays import DrawOptions

MAX_HEIGHT = 10000
DEFAULT_QUALITY = 70


@dataclass(frozen=True)
class LatestRequest:
    """A parsed `latest.<ext>` request."""

    ext: str
    height: int | None
    quality: int
    store: bool
    options: DrawOptions


@dataclass(frozen=True)
class Param:
    """One integer query parameter. Out-of-range values are the service's 400 (as in Frigate),
    not a validation error, so the bounds are checked after parsing, not by FastAPI."""

    name: str
    default: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    alias: str | None = None  # another name for the same value; the main name wins
    alias_note: str = ""

    def value(self, given: Mapping[str, int]) -> int | None:
        """The value under the main name, else under the alias, else the default."""
        found = given.get(self.name)
        if found is None and self.alias is not None:
            found = given.get(self.alias)
        return self.default if found is None else found

    def check(self, value: int | None) -> None:
        """BadRequest for a value outside [minimum, maximum]; None always passes."""
        if value is None or self.minimum is None or self.maximum is None:
            return
        if not self.minimum <= value <= self.maximum:
            raise BadRequest(
                f"Invalid {self.name} requested: {value} (use {self.minimum} to {self.maximum})"
            )


# Overlay switches (any non-zero value draws): query name → DrawOptions field, in route order.
OVERLAYS = (
    ("bbox", "bounding_boxes"),
    ("timestamp", "timestamp"),
    ("zones", "zones"),
    ("mask", "mask"),
    ("motion", "motion_boxes"),
    ("paths", "paths"),
    ("regions", "regions"),
)
QUALITY = Param("quality", default=DEFAULT_QUALITY, minimum=1, maximum=100)
HEIGHT = Param(
    "height", minimum=0, maximum=MAX_HEIGHT, alias="h", alias_note="Home Assistant sends h"
)
STORE = Param("store")
PARAMS: tuple[Param, ...] = (*(Param(name) for name, _ in OVERLAYS), QUALITY, HEIGHT, STORE)
# Every query name the request reads (main names and aliases).
NAMES = frozenset(name for p in PARAMS for name in (p.name, p.alias) if name is not None)


def latest_request(ext: str, given: Mapping[str, int]) -> LatestRequest:
    """The service request for the parameters given (by any of their names; absent: default)."""
    quality = QUALITY.value(given)
    return LatestRequest(
        ext=ext,
        height=HEIGHT.value(given),
        quality=DEFAULT_QUALITY if quality is None else quality,
        store=bool(STORE.value(given)),
        options=DrawOptions(**{field: bool(given.get(name)) for name, field in OVERLAYS}),
    )


def check(request: LatestRequest) -> None:
    """The service's bounds: 400 for a height or quality out of range."""
    HEIGHT.check(request.height)
    QUALITY.check(request.quality)
