"""The one write the region grid has: `DELETE /{camera}/region_grid` removes the camera's
`regions` row, as Frigate does (it learns a new grid from later detections). Kept alone here so
a read-only database (beside Frigate) has one place to switch off."""

from __future__ import annotations

from frigate_media.auth.identity import Identity
from frigate_media.context import AppContext
from frigate_media.storage.models import Regions


def delete_regions_row(camera: str) -> int:
    """Delete `camera`'s row from `regions`; how many rows went (0 or 1). Blocking."""
    return int(Regions.delete().where(Regions.camera == camera).execute())


async def clear_region_grid(context: AppContext, identity: Identity, camera: str) -> None:
    """Admins only (403), a configured camera (404 `Camera not found`), then the row goes.

    A camera without a stored grid is cleared too: Frigate answers success either way.
    """
    identity.require_admin()
    context.camera(camera)
    await context.run_db(delete_regions_row, camera)
