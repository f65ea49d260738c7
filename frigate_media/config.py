"""Pydantic models for the parts of Frigate's YAML config the media API uses, plus our extensions.

Unknown keys (detectors, objects, review, genai, ...) are ignored so a real Frigate `config.yml`
loads unchanged. Our keys: `mode`, `frigate_config`, `paths`, `server`, `limits`, `plus` and
`live_ingest`; `mqtt.stale_seconds` is our extension of Frigate's `mqtt`.

Beside Frigate our keys live in a file of our own (Frigate refuses unknown keys in its
`config.yml`): that file names Frigate's with `frigate_config:`, and `load_config` reads
Frigate's file (never writing it), then lays ours over it (ours wins, key by key).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from frigate_media.auth.rate_limit import parse_rate_limits
from frigate_media.errors import ConfigError

CAMERA_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_-]+$")
ROLE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_]+$")
ENV_PATTERN = re.compile(r"\{(FRIGATE_[A-Za-z0-9_]+)\}")
SECRETS_DIR = Path("/run/secrets")  # Docker secrets, which Frigate also substitutes

# Top-level URL segments our routes own; a camera with one of these names would be shadowed.
RESERVED_CAMERA_NAMES = frozenset(
    {
        "events",
        "review",
        "preview",
        "vod",
        "version",
        "login",
        "logout",
        "recordings",
        "clips",
        "exports",
        "config",
        "stats",
        "profile",
    }
)
BUILTIN_ROLES = ("admin", "viewer")

Mode = Literal["standalone", "beside-frigate"]
STANDALONE: Mode = "standalone"
BESIDE_FRIGATE: Mode = "beside-frigate"
# Beside Frigate, where our scratch lives unless `paths.scratch` says otherwise: outside
# Frigate's media and cache (its cache is a small tmpfs its recorder needs).
BESIDE_SCRATCH_DEFAULT = "/tmp/frigate-media"
# go2rtc's RTSP server as Frigate runs it (its `go2rtc.rtsp.listen` default).
GO2RTC_RTSP_PORT = 8554


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class DatabaseConfig(_Model):
    path: str = "/config/frigate.db"


InputRole = Literal["detect", "record", "audio"]


class InputConfig(_Model):
    path: str
    input_args: str | list[str] | None = None
    roles: list[InputRole] = Field(default_factory=lambda: list[InputRole](["detect"]))


class OutputArgsConfig(_Model):
    detect: str | list[str] | None = None
    record: str | list[str] | None = None


class CameraFfmpegConfig(_Model):
    inputs: list[InputConfig] = Field(default_factory=list)
    input_args: str | list[str] | None = None
    global_args: str | list[str] | None = None
    output_args: OutputArgsConfig = Field(default_factory=OutputArgsConfig)
    retry_interval: float = Field(default=10.0, gt=0)


class DetectConfig(_Model):
    enabled: bool = True
    width: int | None = Field(default=None, gt=0)
    height: int | None = Field(default=None, gt=0)
    fps: int = Field(default=5, gt=0)


class RetainConfig(_Model):
    days: float = Field(default=0, ge=0)


class RecordConfig(_Model):
    enabled: bool = False
    retain: RetainConfig = Field(default_factory=RetainConfig)
    event_pre_capture: int = Field(default=5, ge=0, le=60)


class SnapshotsConfig(_Model):
    enabled: bool = False
    clean_copy: bool = True
    timestamp: bool = False
    bounding_box: bool = True
    crop: bool = False
    height: int | None = Field(default=None, gt=0)
    quality: int = Field(default=70, ge=0, le=100)


class MotionConfig(_Model):
    mask: str | list[str] | None = None


class ZoneConfig(_Model):
    coordinates: str | list[str]
    color: tuple[int, int, int] | None = None


class ColorConfig(_Model):
    red: int = Field(default=255, ge=0, le=255)
    green: int = Field(default=255, ge=0, le=255)
    blue: int = Field(default=255, ge=0, le=255)


class TimestampStyleConfig(_Model):
    position: Literal["tl", "tr", "bl", "br"] = "tl"
    format: str = "%m/%d/%Y %H:%M:%S"
    color: ColorConfig = Field(default_factory=ColorConfig)
    thickness: int = Field(default=2, gt=0)
    effect: Literal["solid", "shadow"] | None = None


class AutotrackingConfig(_Model):
    enabled: bool = False
    zooming: str = "disabled"


class OnvifConfig(_Model):
    host: str = ""
    port: int = 8000
    user: str | None = None
    password: str | None = None
    tls_insecure: bool = False
    autotracking: AutotrackingConfig = Field(default_factory=AutotrackingConfig)


class CameraConfig(_Model):
    name: str = ""
    enabled: bool = True
    ffmpeg: CameraFfmpegConfig = Field(default_factory=CameraFfmpegConfig)
    detect: DetectConfig = Field(default_factory=DetectConfig)
    record: RecordConfig = Field(default_factory=RecordConfig)
    snapshots: SnapshotsConfig = Field(default_factory=SnapshotsConfig)
    motion: MotionConfig = Field(default_factory=MotionConfig)
    zones: dict[str, ZoneConfig] = Field(default_factory=dict)
    timestamp_style: TimestampStyleConfig = Field(default_factory=TimestampStyleConfig)
    onvif: OnvifConfig = Field(default_factory=OnvifConfig)

    def input_with_role(self, role: str) -> InputConfig | None:
        """The first ffmpeg input that carries `role`, if any."""
        return next((i for i in self.ffmpeg.inputs if role in i.roles), None)


class GlobalFfmpegConfig(_Model):
    path: str = "default"
    global_args: str | list[str] | None = None
    input_args: str | list[str] | None = None
    output_args: OutputArgsConfig = Field(default_factory=OutputArgsConfig)
    retry_interval: float | None = Field(default=None, gt=0)


class BirdseyeConfig(_Model):
    enabled: bool = True
    restream: bool = False
    width: int = Field(default=1280, gt=0)
    height: int = Field(default=720, gt=0)
    quality: int = Field(default=8, ge=1, le=31)
    mode: str = "objects"


class AuthConfig(_Model):
    enabled: bool = True
    cookie_name: str = "frigate_token"
    cookie_secure: bool = False
    session_length: int = Field(default=86400, gt=0)
    refresh_time: int = Field(default=1800, gt=0)
    roles: dict[str, list[str]] = Field(default_factory=dict)
    # Frigate's login throttle, in its notation (`1/second;5/minute;20/hour`); None: off.
    failed_login_rate_limit: str | None = None
    # Proxies whose X-Forwarded-For names the client (addresses or networks), as Frigate's key.
    trusted_proxies: list[str] = Field(default_factory=list)
    hash_iterations: int = Field(default=600_000, gt=0, le=10_000_000)

    @field_validator("failed_login_rate_limit")
    @classmethod
    def _parse_rate_limit(cls, value: str | None) -> str | None:
        if value is not None:
            parse_rate_limits(value)  # a ValueError names the notation problem
        return value


class HeaderMappingConfig(_Model):
    user: str | None = None
    role: str | None = None
    role_map: dict[str, list[str]] = Field(default_factory=dict)


class ProxyConfig(_Model):
    header_map: HeaderMappingConfig = Field(default_factory=HeaderMappingConfig)
    default_role: str | None = "viewer"  # not a known role (or null): viewer, as Frigate
    separator: str = ","
    auth_secret: str | None = None


class ModelConfig(_Model):
    colormap: dict[str, tuple[int, int, int]] = Field(default_factory=dict)


class PathsConfig(_Model):
    """Our extension: where Frigate's media and cache directories live, and our own scratch.

    `scratch` holds every file we write (HLS segments, clip and preview caches, the sample-table
    index, converted clean snapshots, logouts). Unset: `/tmp/frigate-media` beside Frigate,
    `<cache>/frigate-media` standalone (see `FrigateConfig.scratch_dir`).
    """

    media: str = "/media/frigate"
    cache: str = "/tmp/cache"
    scratch: str | None = None


class ServerConfig(_Model):
    """Our extension: where the HTTP server listens and the prefix of the API routes."""

    host: str = "127.0.0.1"
    port: int = Field(default=5000, gt=0, lt=65536)
    api_prefix: str = "/api"
    behind_frigate_nginx: bool = False

    @field_validator("api_prefix")
    @classmethod
    def _normalise_prefix(cls, value: str) -> str:
        value = value.strip()
        if value in ("", "/"):
            return ""
        if not value.startswith("/"):
            value = "/" + value
        return value.rstrip("/")


class LimitsConfig(_Model):
    """Our extension: bounds on expensive work."""

    ffmpeg_jobs: int = Field(default=4, gt=0)
    ffmpeg_queue_wait: float = Field(default=5.0, ge=0)
    ffmpeg_timeout: float = Field(default=120.0, gt=0)
    clip_max_seconds: float = Field(default=86400.0, gt=0)
    gif_max_seconds: float = Field(default=3600.0, gt=0)
    preview_mp4_max_seconds: float = Field(default=86400.0, gt=0)
    ffmpeg_streams: int = Field(default=4, gt=0)  # long ffmpeg streams (clip.mp4) at once
    # The share of each pool of slots (short jobs, streams, HLS cuts) one requester may hold;
    # at least one slot. Beyond it that requester waits, then gets 503 + Retry-After.
    identity_share: float = Field(default=0.5, gt=0, le=1)
    # A client that accepts no bytes for this long is disconnected (its ffmpeg reaped).
    stream_stall_seconds: float = Field(default=30.0, gt=0)
    hls_jobs: int = Field(default=4, gt=0)  # HLS segments remuxed at once
    # Byte caps of the caches we write, enforced before each write (least recently used files
    # go first; a file being served never); `scratch_mb` bounds all of them together.
    scratch_mb: float = Field(default=4096, gt=0)  # every cache in our scratch dir, in total
    hls_cache_mb: float = Field(default=2048, gt=0)  # HLS segments
    hls_cache_hours: float = Field(default=24.0, gt=0)  # cached segments unused this long go
    preview_cache_mb: float = Field(default=1024, gt=0)  # preview.mp4 encodes
    # clean snapshots converted from Frigate's legacy PNGs (a WebP is tens of KB)
    clean_snapshot_cache_mb: float = Field(default=64, gt=0)
    sample_index_mb: float = Field(default=256, gt=0)  # the clip sample-table index (SQLite)
    sample_index_memory_mb: float = Field(default=64, gt=0)  # its parsed tables kept in memory
    max_body_bytes: int = Field(default=1_048_576, gt=0)  # any request body; beyond: 413
    max_login_body_bytes: int = Field(default=16_384, gt=0)  # POST /login's body; beyond: 413
    max_header_bytes: int = Field(default=65_536, ge=4096)  # request line + headers; beyond: 431
    login_hash_threads: int = Field(default=2, gt=0)  # password checks run at once
    login_hash_queue: int = Field(default=8, ge=0)  # checks that may wait; beyond: 503
    user_cache_seconds: float = Field(default=5.0, ge=0)  # a token's user row is re-read after
    revoked_tokens: int = Field(default=10_000, gt=0)  # logged-out tokens remembered at most
    # clip.mp4 assembled from the segments' sample tables (false: always the ffmpeg path)
    virtual_mp4: bool = True
    clip_index_hours: float = Field(default=24.0, ge=0)  # indexed in the background at start
    clip_cache_mb: float = Field(default=2048, gt=0)  # the ffmpeg fallback's files for Range
    # recorded frames decoded in-process (false: always ffmpeg), at most this many at once
    frames_in_process: bool = True
    frame_decodes: int = Field(default=2, gt=0)

    @model_validator(mode="after")
    def _scratch_holds_the_index(self) -> LimitsConfig:
        if self.scratch_mb <= self.sample_index_mb:
            raise ValueError("scratch_mb must be larger than sample_index_mb (set aside in it)")
        return self


class LiveSourceConfig(_Model):
    """Our extension: where one camera's live frames come from, instead of the default."""

    path: str
    input_args: str | list[str] | None = None


class LiveIngestConfig(_Model):
    """Our extension: where live frames come from beside Frigate (standalone: the detect input).

    Beside Frigate each camera is read from Frigate's go2rtc restream, so the camera is not
    opened a second time; `cameras.<name>` overrides that per camera, and `detect_fallback`
    lets a camera without a restream open its detect input (off: such a camera has no live
    ingest and serves Frigate's preview frames).
    """

    restream_host: str = "127.0.0.1"  # where go2rtc's RTSP server answers (its port: go2rtc.rtsp)
    input_args: str | list[str] | None = "preset-rtsp-restream"
    detect_fallback: bool = False
    cameras: dict[str, LiveSourceConfig] = Field(default_factory=dict)


class Go2rtcRtspConfig(_Model):
    """Frigate's `go2rtc.rtsp`: go2rtc's RTSP listener and its credentials."""

    listen: str | int = f":{GO2RTC_RTSP_PORT}"
    username: str | None = None
    password: str | None = None

    @property
    def port(self) -> int:
        """The port of `listen` (`":8554"`, `"0.0.0.0:8554"` or `8554`)."""
        text = str(self.listen).rsplit(":", 1)[-1]
        return int(text) if text.isdigit() else GO2RTC_RTSP_PORT


class Go2rtcConfig(_Model):
    """Frigate's `go2rtc` section: the streams its go2rtc restreams (read, never used to connect
    to a camera)."""

    streams: dict[str, Any] = Field(default_factory=dict)
    rtsp: Go2rtcRtspConfig = Field(default_factory=Go2rtcRtspConfig)

    @field_validator("streams", mode="before")
    @classmethod
    def _streams_may_be_null(cls, value: Any) -> Any:
        return {} if value is None else value


class PlusConfig(_Model):
    """Our extension: where Frigate+ lives (tests point it at a local server)."""

    host: str = "https://api.frigate.video"


class MqttConfig(_Model):
    """Frigate's `mqtt` section (how to reach its broker) plus our `stale_seconds`."""

    enabled: bool = True
    host: str = ""
    port: int = Field(default=1883, gt=0, lt=65536)
    transport: Literal["tcp", "websockets"] = "tcp"
    topic_prefix: str = "frigate"
    client_id: str = "frigate"  # Frigate's own id; ours is derived from it (never the same)
    user: str | None = None
    password: str | None = None
    tls_ca_certs: str | None = None
    tls_client_cert: str | None = None
    tls_client_key: str | None = None
    tls_insecure: bool | None = None
    # Our extension: a tracked object without a message for this long is dropped. Frigate
    # republishes a running object at least once a minute, so keep it above 60.
    stale_seconds: float = Field(default=180.0, gt=0)

    @model_validator(mode="after")
    def _user_needs_password(self) -> MqttConfig:
        if (self.user is None) != (self.password is None):
            raise ValueError("Password must be provided with username.")
        return self

    @property
    def active(self) -> bool:
        """Enabled and pointing at a broker: only then is the MQTT worker started."""
        return self.enabled and bool(self.host.strip())


class FrigateConfig(_Model):
    """The whole configuration: the Frigate keys we honour plus ours (`mode`, `paths`, ...)."""

    # Absent: beside-frigate, so a config copied from Frigate can never make us write.
    mode: Mode = BESIDE_FRIGATE
    frigate_config: str | None = None  # the Frigate config.yml ours was laid over (load_config)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    ffmpeg: GlobalFfmpegConfig = Field(default_factory=GlobalFfmpegConfig)
    cameras: dict[str, CameraConfig] = Field(default_factory=dict)
    birdseye: BirdseyeConfig = Field(default_factory=BirdseyeConfig)
    auth: AuthConfig = Field(default_factory=AuthConfig)
    proxy: ProxyConfig = Field(default_factory=ProxyConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    paths: PathsConfig = Field(default_factory=PathsConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    plus: PlusConfig = Field(default_factory=PlusConfig)
    mqtt: MqttConfig | None = None  # absent: no live state from Frigate's broker
    go2rtc: Go2rtcConfig = Field(default_factory=Go2rtcConfig)
    live_ingest: LiveIngestConfig = Field(default_factory=LiveIngestConfig)

    @field_validator("cameras", mode="before")
    @classmethod
    def _cameras_may_be_null(cls, value: Any) -> Any:
        return {} if value is None else value

    @model_validator(mode="after")
    def _check_names_and_roles(self) -> FrigateConfig:
        for name, camera in self.cameras.items():
            if not CAMERA_NAME_PATTERN.match(name):
                raise ValueError(f"cameras.{name}: camera names must match ^[a-zA-Z0-9_-]+$")
            if name.lower() in RESERVED_CAMERA_NAMES or name == "birdseye":
                raise ValueError(f"cameras.{name}: this name is reserved by the API's routes")
            camera.name = name
            inherits = "retry_interval" not in camera.ffmpeg.model_fields_set
            if inherits and self.ffmpeg.retry_interval is not None:
                camera.ffmpeg.retry_interval = self.ffmpeg.retry_interval
        if self.mode == BESIDE_FRIGATE and self.server.behind_frigate_nginx:
            # That option drops preview MP4s into Frigate's cache for its /cache/ alias.
            raise ValueError(
                "server.behind_frigate_nginx: not with mode beside-frigate (it writes preview "
                "MP4s into Frigate's cache); Frigate's nginx include never needs it"
            )
        for name in self.live_ingest.cameras:
            if name not in self.cameras:
                raise ValueError(f"live_ingest.cameras.{name}: unknown camera")
        for role, cameras in self.auth.roles.items():
            if role in BUILTIN_ROLES:
                continue
            if not ROLE_NAME_PATTERN.match(role):
                raise ValueError(f"auth.roles.{role}: role names must match ^[A-Za-z0-9_]+$")
            if not cameras:
                raise ValueError(f"auth.roles.{role}: a custom role must list cameras")
            for camera_name in cameras:
                if camera_name not in self.cameras:
                    raise ValueError(f"auth.roles.{role}: unknown camera '{camera_name}'")
        return self

    @property
    def read_only(self) -> bool:
        """Beside Frigate: Frigate's DB, media and cache are read, never written."""
        return self.mode == BESIDE_FRIGATE

    def scratch_dir(self) -> str:
        """`paths.scratch`, else the mode's default (see PathsConfig)."""
        if self.paths.scratch:
            return self.paths.scratch
        if self.read_only:
            return BESIDE_SCRATCH_DEFAULT
        return str(Path(self.paths.cache) / "frigate-media")

    def role_names(self) -> list[str]:
        """Every role this config knows: the built-ins and the custom ones."""
        return list(dict.fromkeys([*BUILTIN_ROLES, *self.auth.roles]))

    def cameras_for_role(self, role: str) -> frozenset[str] | None:
        """Cameras a role may see: None means all of them; an unknown role sees none."""
        if role in BUILTIN_ROLES:
            return None
        cameras = self.auth.roles.get(role)
        if cameras is None:
            return frozenset()
        return frozenset(cameras)


def frigate_variables(secrets_dir: Path = SECRETS_DIR) -> dict[str, str]:
    """What Frigate substitutes for `{FRIGATE_*}`: Docker secrets named `FRIGATE_*` (the file's
    text, trailing whitespace dropped), overridden by environment variables of those names."""
    found: dict[str, str] = {}
    try:
        names = sorted(p for p in secrets_dir.iterdir() if p.name.startswith("FRIGATE_"))
    except OSError:
        names = []
    for path in names:
        try:
            found[path.name] = path.read_text().rstrip()
        except (OSError, UnicodeDecodeError):
            continue
    found.update({k: v for k, v in os.environ.items() if k.startswith("FRIGATE_")})
    return found


def substitute_env(value: Any, environ: Mapping[str, str] | None = None) -> Any:
    """Replace `{FRIGATE_*}` placeholders in every string of the raw YAML tree."""
    env = frigate_variables() if environ is None else environ
    if isinstance(value, str):

        def _replace(match: re.Match[str]) -> str:
            key = match.group(1)
            if key not in env:
                raise ConfigError(f"environment variable {key} is not set")
            return env[key]

        return ENV_PATTERN.sub(_replace, value)
    if isinstance(value, dict):
        return {k: substitute_env(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute_env(v, env) for v in value]
    return value


def _describe_error(error: ValidationError) -> str:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    return f"{location}: {message}" if location else message


def parse_config(raw: Any) -> FrigateConfig:
    """Validate a raw YAML tree; a bad value raises ConfigError naming the key."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError("the config file must hold a mapping at the top level")
    try:
        return FrigateConfig.model_validate(substitute_env(raw))
    except ValidationError as error:
        raise ConfigError(_describe_error(error)) from None


def read_yaml(path: str | Path) -> Any:
    """The YAML (or JSON) tree of a file, read only; ConfigError when unreadable or invalid."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read config {path}: {error.strerror}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"config {path} is not valid YAML: {error}") from None


def lay_over(base: dict[str, Any], ours: dict[str, Any]) -> dict[str, Any]:
    """`ours` laid over `base`: mappings merge key by key, anything else in `ours` replaces."""
    merged = dict(base)
    for key, value in ours.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = lay_over(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_config(path: str | Path) -> FrigateConfig:
    """Read and validate a config file: Frigate's own, or ours naming Frigate's.

    With `frigate_config: <path>` (relative to our file) Frigate's file is read as it is and
    ours is laid over it, so our keys never have to live in Frigate's file.
    """
    raw = read_yaml(path)
    if isinstance(raw, dict) and raw.get("frigate_config"):
        named = Path(str(raw["frigate_config"]))
        frigate_path = named if named.is_absolute() else Path(path).resolve().parent / named
        frigate = read_yaml(frigate_path)
        if not isinstance(frigate, dict):
            raise ConfigError(f"frigate_config {frigate_path}: not a mapping at the top level")
        if "frigate_config" in frigate:
            raise ConfigError(f"frigate_config {frigate_path}: names another config itself")
        raw = lay_over(frigate, {**raw, "frigate_config": str(frigate_path)})
    return parse_config(raw)


def demo_config(data_dir: str | Path = "data") -> FrigateConfig:
    """The embedded demo: one synthetic camera `demo`, recorded, with all data under `data_dir`."""
    base = Path(data_dir).resolve()
    return parse_config(
        {
            "mode": STANDALONE,
            "database": {"path": str(base / "frigate.db")},
            "paths": {"media": str(base / "media"), "cache": str(base / "cache")},
            "auth": {"enabled": False},
            "server": {"host": "127.0.0.1", "port": 5000},
            "cameras": {
                "demo": {
                    "ffmpeg": {
                        "inputs": [
                            {
                                "path": "testsrc2=size=1280x720:rate=5",
                                "input_args": "-re -f lavfi",
                                "roles": ["detect", "record"],
                            }
                        ],
                        "output_args": {
                            "record": "-c:v libx264 -preset ultrafast -tune zerolatency "
                            "-g 5 -keyint_min 5 -sc_threshold 0 -pix_fmt yuv420p"
                        },
                        "retry_interval": 10,
                    },
                    "detect": {"enabled": True, "width": 1280, "height": 720, "fps": 5},
                    "record": {"enabled": True, "retain": {"days": 1}},
                    "snapshots": {"enabled": True},
                }
            },
        }
    )
