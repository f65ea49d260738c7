"""PTZ info of a camera through ONVIF (onvif-zeep-async), run on its own thread with a timeout."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from frigate_media.config import CameraConfig
from frigate_media.context import AppContext
from frigate_media.errors import Busy

logger = logging.getLogger(__name__)

ONVIF_TIMEOUT = 10.0  # seconds for the whole exchange with the camera


async def camera_ptz_info(context: AppContext, camera_name: str) -> dict[str, Any]:
    """`{}` for a camera without ONVIF (or disabled); else name, features and presets."""
    camera = context.camera(camera_name)
    if not camera.onvif.host or not camera.enabled:
        return {}
    try:
        # zeep parses WSDL files synchronously: keep all of it off the event loop.
        return await asyncio.wait_for(
            asyncio.to_thread(asyncio.run, _query_camera(camera)), ONVIF_TIMEOUT
        )
    except TimeoutError:
        raise Busy(f"The camera {camera_name} did not answer over ONVIF in time") from None
    except Exception as error:
        logger.warning("%s: ONVIF query failed: %s", camera_name, error)
        raise Busy(f"Unable to get PTZ info from {camera_name} over ONVIF") from None


async def _query_camera(camera: CameraConfig) -> dict[str, Any]:
    from onvif import ONVIFCamera

    onvif = camera.onvif
    device = ONVIFCamera(onvif.host, onvif.port, onvif.user, onvif.password)
    try:
        await device.update_xaddrs()
        media = await device.create_media_service()
        ptz = await device.create_ptz_service()
        profiles = await media.GetProfiles()
        profile = next((p for p in profiles if getattr(p, "PTZConfiguration", None)), None)
        if profile is None:
            return {"name": camera.name, "features": [], "presets": []}
        features = await _features(ptz, profile)
        presets = await ptz.GetPresets({"ProfileToken": profile.token})
        names = [str(getattr(p, "Name", "") or getattr(p, "token", "")) for p in presets or []]
        return {"name": camera.name, "features": features, "presets": names}
    finally:
        await device.close()


async def _features(ptz: Any, profile: Any) -> list[str]:
    """Frigate's feature names from the PTZ configuration options."""
    request = ptz.create_type("GetConfigurationOptions")
    request.ConfigurationToken = profile.PTZConfiguration.token
    options = await ptz.GetConfigurationOptions(request)
    spaces = getattr(options, "Spaces", None)
    features: list[str] = []
    if spaces is None:
        return features
    if getattr(spaces, "ContinuousPanTiltVelocitySpace", None):
        features.append("pt")
    if getattr(spaces, "ContinuousZoomVelocitySpace", None):
        features.append("zoom")
    if getattr(spaces, "RelativePanTiltTranslationSpace", None):
        features.append("pt-r")
    if getattr(spaces, "RelativeZoomTranslationSpace", None):
        features.append("zoom-r")
    return features
