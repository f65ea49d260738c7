"""The one switch of the routes that write Frigate's database or media: declared on each of them
(`dependencies=[WritesFrigate]`), answered 405 when the app is read-only (beside Frigate).

Whether the app is read-only is decided once, by the composition root (`AppContext.read_only`);
Frigate's nginx sends these requests to Frigate, so only a direct request meets the 405.
tests/api/test_writes.py checks that every route with a method other than GET/HEAD carries it.
"""

from __future__ import annotations

from fastapi import Depends, Request

from frigate_media.api.deps import ContextDep
from frigate_media.errors import ReadOnly


async def refuse_when_read_only(request: Request, context: ContextDep) -> None:
    """405 with an empty Allow (no other method is served at these paths) when read-only."""
    if context.read_only:
        raise ReadOnly(
            f"{request.method} {request.url.path}: frigate-media is read-only beside Frigate "
            "(mode: beside-frigate); this request is Frigate's to answer"
        )


WritesFrigate = Depends(refuse_when_read_only)
