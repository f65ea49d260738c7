"""Where each camera's live frames come from: its detect input (standalone), or beside Frigate the
go2rtc restream Frigate's config declares, so the camera is never opened a second time.

Beside Frigate, per camera, the first that applies:
1. `live_ingest.cameras.<name>` (our override);
2. the restream a detect input of the camera already reads (`rtsp://127.0.0.1:8554/<stream>`,
   usually the sub stream: the cheapest to decode), when `go2rtc.streams` has that stream;
3. the stream named like the camera in `go2rtc.streams`;
4. the restream another input (record, audio) reads, when `go2rtc.streams` has it;
5. the detect input itself, only with `live_ingest.detect_fallback`;
otherwise the camera has no ingest, and its latest frame comes from Frigate's preview frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlsplit

from frigate_media.config import CameraConfig, FrigateConfig, InputConfig
from frigate_media.ffmpeg.args.presets import ConfigArgs

Origin = Literal["detect-input", "restream", "override"]
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class LiveSource:
    """One camera's live input: what ffmpeg opens, with which input arguments, and why."""

    camera: str
    path: str
    input_args: ConfigArgs
    origin: Origin

    def as_input(self) -> InputConfig:
        return InputConfig(path=self.path, input_args=self.input_args, roles=["detect"])


def detect_inputs(config: FrigateConfig) -> dict[str, LiveSource]:
    """Standalone: every enabled camera's detect input, as configured."""
    sources: dict[str, LiveSource] = {}
    for name, camera in config.cameras.items():
        detect = camera.input_with_role("detect")
        if camera.enabled and detect is not None:
            sources[name] = LiveSource(name, detect.path, detect.input_args, "detect-input")
    return sources


def restream_sources(config: FrigateConfig) -> dict[str, LiveSource]:
    """Beside Frigate: each enabled camera's source by the rules of the module docstring."""
    sources: dict[str, LiveSource] = {}
    for name, camera in config.cameras.items():
        if not camera.enabled:
            continue
        source = _beside_source(config, camera)
        if source is not None:
            sources[name] = source
    return sources


def _beside_source(config: FrigateConfig, camera: CameraConfig) -> LiveSource | None:
    override = config.live_ingest.cameras.get(camera.name)
    if override is not None:
        return LiveSource(camera.name, override.path, override.input_args, "override")
    url = restream_url(config, camera)
    if url is not None:
        return LiveSource(camera.name, url, config.live_ingest.input_args, "restream")
    detect = camera.input_with_role("detect")
    if config.live_ingest.detect_fallback and detect is not None:
        return LiveSource(camera.name, detect.path, detect.input_args, "detect-input")
    return None


def restream_url(config: FrigateConfig, camera: CameraConfig) -> str | None:
    """The go2rtc restream URL to read `camera` from, or None when Frigate's config has none."""
    streams = config.go2rtc.streams
    port = config.go2rtc.rtsp.port
    detect = [i for i in camera.ffmpeg.inputs if "detect" in i.roles]
    others = [i for i in camera.ffmpeg.inputs if "detect" not in i.roles]
    for source in detect:
        stream = restream_name(source.path, port)
        if stream is not None and stream in streams:
            return _rehosted(config, source.path)  # what Frigate's detect reads (query kept)
    if camera.name in streams:
        return _url(config, camera.name)
    for source in others:
        stream = restream_name(source.path, port)
        if stream is not None and stream in streams:
            return _rehosted(config, source.path)
    return None


def restream_name(path: str, port: int) -> str | None:
    """The go2rtc stream an input path reads (`rtsp://127.0.0.1:8554/<name>?...`), else None."""
    try:
        parts = urlsplit(path)
        input_port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("rtsp", "rtsps") or parts.hostname not in LOOPBACK_HOSTS:
        return None
    if input_port != port:
        return None
    name = parts.path.lstrip("/")
    return name or None


def _netloc(config: FrigateConfig, userinfo: str | None) -> str:
    """go2rtc's address as we reach it, with the input's credentials or go2rtc's own."""
    rtsp = config.go2rtc.rtsp
    if userinfo is None and rtsp.username:
        userinfo = quote(rtsp.username, safe="") + ":" + quote(rtsp.password or "", safe="")
    host = config.live_ingest.restream_host
    host = f"[{host}]" if ":" in host else host
    return f"{userinfo + '@' if userinfo else ''}{host}:{rtsp.port}"


def _url(config: FrigateConfig, stream: str) -> str:
    return f"rtsp://{_netloc(config, None)}/{quote(stream, safe='')}"


def _rehosted(config: FrigateConfig, path: str) -> str:
    """An input's restream URL pointed at `live_ingest.restream_host` (path and query kept)."""
    parts = urlsplit(path)
    userinfo = parts.netloc.rpartition("@")[0] or None
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{_netloc(config, userinfo)}{parts.path}{query}"
