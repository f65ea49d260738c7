"""Frigate+ submission: a recorded frame uploaded with Frigate+'s protocol, off the event loop.

Protocol (as Frigate's `PlusApi`): a bearer token from `GET /v1/auth/token` (basic auth with the
two halves of `PLUS_API_KEY`), presigned upload targets from `GET /v1/image/signed_urls`, a
multipart POST of each JPEG rendition to its target, then `POST /v1/image/create`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from frigate_media import imaging
from frigate_media.context import AccessTokens, AppContext
from frigate_media.errors import BadRequest, NotFound, UpstreamFailed
from frigate_media.services.recordings import frame_at

KEY_ENV = "PLUS_API_KEY"
SECRETS_FILE = Path("/run/secrets") / KEY_ENV
KEY_PATTERN = re.compile(
    r"^[a-z0-9]{8}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{12}:[a-z0-9]{40}$"
)
HTTP_TIMEOUT_SECONDS = 15.0
TOKEN_REFRESH_MARGIN_SECONDS = 60
# (name in the signed-URL answer, longest side in px, JPEG quality), as Frigate sends them.
RENDITIONS = (("original", 1920, 85), ("annotate", 640, 70), ("thumbnail", 200, 70))


class PlusError(Exception):
    """Frigate+ refused or could not be reached."""


@dataclass
class _Token:
    value: str
    expires: float


def api_key() -> str | None:
    """The Frigate+ key from the environment or a Docker secret, when well formed."""
    key = os.environ.get(KEY_ENV)
    if key is None:
        try:
            key = SECRETS_FILE.read_text()
        except OSError:
            return None
    key = key.strip()
    return key if KEY_PATTERN.match(key) else None


def jpeg_rendition(image: np.ndarray[Any, Any], max_side: int, quality: int) -> bytes:
    """The image shrunk so its longest side is at most `max_side`, as JPEG."""
    return imaging.encode(imaging.fit_within(image, max_side), "jpg", quality)


def _request(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise PlusError("Frigate+ URLs must be http(s)")
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
            return bytes(response.read())
    except urllib.error.HTTPError as error:
        raise PlusError(f"{method} {url.split('?')[0]} answered {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        raise PlusError(f"{method} {url.split('?')[0]} failed: {error}") from None


def _json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        raise PlusError("Frigate+ answered with something that is not JSON") from None


class PlusTokens:
    """Per-app state (`AppContext.plus_tokens`): Frigate+ access tokens, reused till near expiry."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str], _Token] = {}
        self._lock = threading.Lock()

    def get(self, host: str, key: str) -> str:
        """A valid token for `key` at `host`, asking Frigate+ for one when needed. Blocking."""
        with self._lock:
            cached = self._tokens.get((host, key))
        if cached is not None and cached.expires - time.time() > TOKEN_REFRESH_MARGIN_SECONDS:
            return cached.value
        user, _, password = key.partition(":")
        basic = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers = {"authorization": f"Basic {basic}"}
        answer = _json(_request(f"{host}/v1/auth/token", headers=headers))
        if not isinstance(answer, dict) or not answer.get("accessToken"):
            raise PlusError("Unable to refresh API token")
        token = _Token(str(answer["accessToken"]), float(answer.get("expires") or 0))
        with self._lock:
            self._tokens[(host, key)] = token
        return token.value


def _multipart(fields: dict[str, Any], file_bytes: bytes) -> tuple[bytes, str]:
    """A form body for a presigned POST: every field, then the file last (S3 requires it)."""
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="file"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + file_bytes
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def upload_image(
    tokens: AccessTokens, host: str, key: str, image: np.ndarray[Any, Any], camera: str
) -> str:
    """Upload one frame for `camera` and return the Frigate+ image id. Blocking."""
    host = host.rstrip("/")
    bearer = {"authorization": f"Bearer {tokens.get(host, key)}"}
    signed = _json(_request(f"{host}/v1/image/signed_urls", headers=bearer))
    if not isinstance(signed, dict) or "imageId" not in signed:
        raise PlusError("Unable to get signed urls")
    for name, max_side, quality in RENDITIONS:
        target = signed.get(name)
        if not isinstance(target, dict):
            if name == "annotate":
                continue  # older Frigate+ answers have no annotate rendition
            raise PlusError(f"Signed urls lack '{name}'")
        fields = dict(target.get("fields") or {})
        fields["content-type"] = "image/jpeg"
        body, content_type = _multipart(fields, jpeg_rendition(image, max_side, quality))
        _request(
            str(target.get("url")), method="POST", headers={"content-type": content_type}, body=body
        )
    create = json.dumps({"id": signed["imageId"], "camera": camera}).encode()
    _request(
        f"{host}/v1/image/create",
        method="POST",
        headers={**bearer, "content-type": "application/json"},
        body=create,
    )
    return str(signed["imageId"])


def _decode(data: bytes) -> imaging.Image:
    image = imaging.decode(data)
    if image is None:
        raise NotFound("Unable to parse the recorded frame")
    return image


async def submit_recording_frame(context: AppContext, camera: str, moment: float) -> str:
    """Extract the recorded frame at `moment` and send it to Frigate+; returns the image id."""
    key = api_key()
    if key is None:
        raise BadRequest("Frigate+ is not configured: set PLUS_API_KEY to a valid key")
    frame = await frame_at.frame_image(context, camera, moment, "png", None)
    image = await asyncio.to_thread(_decode, frame.data)
    try:
        return await asyncio.to_thread(
            upload_image, context.plus_tokens, context.config.plus.host, key, image, camera
        )
    except PlusError as error:
        raise UpstreamFailed(f"Unable to submit image to Frigate+: {error}") from None
