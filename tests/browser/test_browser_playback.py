"""A real browser: Debian's headless Chromium plays our master.m3u8 with hls.js, and clip.mp4 in a
<video> that seeks by Range (Playwright)."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.support.db import insert_event
from tests.support.hls import record_clips

T0 = 1_719_000_000.0
HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.e2e


def require_browser_tooling() -> str:
    """Fail loudly (never skip) when `make browser-deps` has not been run."""
    node = shutil.which("node")
    missing = []
    if node is None:
        missing.append("node")
    if not CHROMIUM.exists():
        missing.append(str(CHROMIUM))
    for package in ("playwright-core", "hls.js"):
        if not (HERE / "node_modules" / package / "package.json").exists():
            missing.append(f"tests/browser/node_modules/{package}")
    if missing:
        pytest.fail("browser test needs `make browser-deps`; missing: " + ", ".join(missing))
    assert node is not None
    return node


def play(node: str, url: str, script: str = "play_hls.mjs", *args: str) -> dict[str, object]:
    """Run a playwright-core script on `url`; its JSON report (`args`: the script's own)."""
    completed = subprocess.run(
        [node, str(HERE / script), url, *(args or ("3",)), "60000"],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        cwd=HERE,
    )
    lines = completed.stdout.decode().strip().splitlines()
    assert lines, completed.stderr.decode()[-3000:]
    result: dict[str, object] = json.loads(lines[-1])
    return result


def test_chromium_plays_master_m3u8_past_three_seconds(
    tmp_path: Path,
    frigate_db: Path,
    clip_factory: Callable[..., Path],
    server_factory: Callable[..., RunningServer],
) -> None:
    node = require_browser_tooling()
    clip = clip_factory(seconds=10, audio=True)
    record_clips(frigate_db, tmp_path / "media" / "recordings", "front", T0, clip, 3)
    server = server_factory()
    url = server.url(f"/vod/front/start/{T0 + 1.5}/end/{T0 + 30}/master.m3u8?authSig=browser")
    result = play(node, url)
    assert result["ok"] is True, result
    assert result["supported"] is True
    assert (result["videoWidth"], result["videoHeight"]) == (320, 240)
    assert result["fatal"] is None


def test_chromium_starts_a_running_event_at_its_beginning(
    tmp_path: Path,
    frigate_db: Path,
    clip_factory: Callable[..., Path],
    server_factory: Callable[..., RunningServer],
) -> None:
    """An open playlist would start hls.js three target durations before the end (~50 s here)."""
    node = require_browser_tooling()
    start = round(time.time() - 85, 3)
    clip = clip_factory(seconds=10)
    record_clips(frigate_db, tmp_path / "media" / "recordings", "front", start, clip, 8)
    event_id = insert_event(frigate_db, "front", start, None)
    server = server_factory()
    result = play(node, server.url(f"/vod/event/{event_id}/master.m3u8"))
    assert result["ok"] is True, result
    start_time = result["startTime"]
    assert isinstance(start_time, int | float) and 0 <= start_time < 1.0, result
    assert result["live"] is False, result
    duration = result["duration"]
    assert isinstance(duration, int | float) and abs(duration - 80.0) < 0.5, result


def test_chromium_plays_clip_mp4_and_seeks_to_the_middle_by_range(
    tmp_path: Path,
    frigate_db: Path,
    clip_factory: Callable[..., Path],
    server_factory: Callable[..., RunningServer],
) -> None:
    """A 5-minute clip loaded with preload=metadata: the middle is not fetched until the seek."""
    node = require_browser_tooling()
    clip = clip_factory(seconds=10, audio=True)
    record_clips(frigate_db, tmp_path / "media" / "recordings", "front", T0, clip, 30)
    server = server_factory()
    url = server.url(f"/api/front/start/{T0 + 1.5}/end/{T0 + 298.5}/clip.mp4")
    result = play(node, url, "play_mp4.mjs", "148.5")
    assert result["ok"] is True, result
    assert result["mediaError"] is None and result["errors"] == [], result
    duration = result["duration"]
    assert isinstance(duration, int | float) and abs(duration - 297.0) < 0.25, result
    seeked = result["seeked"]
    assert isinstance(seeked, int | float) and abs(seeked - 148.5) < 0.25, result
    assert (result["videoWidth"], result["videoHeight"]) == (320, 240)
    requests = result["requests"]
    assert isinstance(requests, list) and requests, result
    assert all(request["status"] == 206 for request in requests), requests
    starts = [
        int(str(request["range"]).removeprefix("bytes=").split("-")[0]) for request in requests
    ]
    assert starts[0] == 0 and any(start > 0 for start in starts[1:]), requests
