"""VOD mapping JSON for nginx-vod (`/api/vod/...`): a range, a clip, a local hour, an event."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Response

from frigate_media.api.deps import CameraDep, ContextDep, IdentityDep
from frigate_media.services.recordings import vod_forms
from frigate_media.services.recordings.vod import VodPlan

router = APIRouter(tags=["vod"])


def mapping_response(plan: VodPlan) -> Response:
    return Response(orjson.dumps(plan.mapping()), media_type="application/json")


@router.get("/vod/{camera_name}/start/{start_ts}/end/{end_ts}")
async def vod_range(
    context: ContextDep,
    camera: CameraDep,
    start_ts: float,
    end_ts: float,
    force_discontinuity: bool = False,
) -> Response:
    """nginx-vod's mapping of the recordings of `camera` in [start_ts, end_ts]."""
    vod = vod_forms.resolve_range(
        context, camera.name, start_ts, end_ts, discontinuity=force_discontinuity
    )
    return mapping_response(await vod_forms.plan(context, vod))


@router.get("/vod/event/{event_id}")
async def vod_event(
    context: ContextDep,
    identity: IdentityDep,
    event_id: str,
    padding: Annotated[int, Query(description="Seconds added on both sides")] = 0,
) -> Response:
    """The mapping of an event's recordings (403 after loading it if its camera is not allowed)."""
    vod = await vod_forms.resolve_event(context, identity, event_id, padding)
    return mapping_response(await vod_forms.plan(context, vod))


@router.get("/vod/clip/{camera_name}/start/{start_ts}/end/{end_ts}")
async def vod_clip(
    context: ContextDep, camera: CameraDep, start_ts: float, end_ts: float
) -> Response:
    """Like the range mapping, with discontinuity on (clips may differ in codec parameters)."""
    vod = vod_forms.resolve_range(context, camera.name, start_ts, end_ts, discontinuity=True)
    return mapping_response(await vod_forms.plan(context, vod))


@router.get("/vod/{year_month}/{day}/{hour}/{camera_name}")
async def vod_hour_local(
    context: ContextDep, camera: CameraDep, year_month: str, day: str, hour: str
) -> Response:
    """One hour in the server's local time zone."""
    vod = vod_forms.resolve_hour(context, camera.name, year_month, day, hour)
    return mapping_response(await vod_forms.plan(context, vod))


@router.get("/vod/{year_month}/{day}/{hour}/{camera_name}/{tz_name}")
async def vod_hour(
    context: ContextDep,
    camera: CameraDep,
    year_month: str,
    day: str,
    hour: str,
    tz_name: str,
) -> Response:
    """One hour in `tz_name` (`America,New_York`, or `utc`), DST-correct."""
    vod = vod_forms.resolve_hour(context, camera.name, year_month, day, hour, tz_name)
    return mapping_response(await vod_forms.plan(context, vod))
