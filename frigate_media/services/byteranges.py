"""HTTP Range headers checked up front, so a bad one gets a JSON 4xx rather than plain text."""

from __future__ import annotations

import re

from frigate_media.errors import BadRequest, RangeNotSatisfiable

MAX_RANGES = 20
_SPEC = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


def check_range(header: str, size: int) -> None:
    """Raise BadRequest for a malformed `bytes=` header, RangeNotSatisfiable past the end."""
    units, _, specs = header.partition("=")
    if units.strip().lower() != "bytes" or not specs.strip():
        raise BadRequest("Malformed Range header: only bytes ranges are supported")
    parts = [part for part in specs.split(",") if part.strip()]
    if not parts or len(parts) > MAX_RANGES:
        raise BadRequest("Malformed Range header")
    satisfiable = True
    for part in parts:
        match = _SPEC.match(part)
        if match is None or (not match.group(1) and not match.group(2)):
            raise BadRequest("Malformed Range header")
        first, last = match.group(1), match.group(2)
        if first and last and int(last) < int(first):
            raise BadRequest("Malformed Range header: the end is before the start")
        # Like Starlette's FileResponse, which serves it: any part past the end fails the whole.
        if first:
            satisfiable = satisfiable and int(first) < size
        else:
            satisfiable = satisfiable and int(last) > 0 and size > 0
    if not satisfiable:
        raise RangeNotSatisfiable(size)
