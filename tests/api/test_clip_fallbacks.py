"""Each kind of segment the assembler refuses reaches ffmpeg's path through HTTP, and the answer
still shows the recordings of the range (a plain GET streams, a Range gets a faststart file)."""

from __future__ import annotations

import io
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from frigate_media.clock import FixedClock
from frigate_media.services.recordings.vod import build_plan
from frigate_media.storage.db import open_database
from tests.support.app import context_of
from tests.support.db import add_recording
from tests.support.framehash import decoded_frames, digests, source_frames
from tests.support.recordings import NOW, T0
from tests.support.segments import SegmentSpec, make_segments

CLIPS_LOGGER = "frigate_media.services.recordings.clips"


@dataclass(frozen=True)
class Case:
    """Segments recorded back to back: (spec, index of the file in its set), and the reason."""

    parts: tuple[tuple[SegmentSpec, int], ...]
    reason: str
    truncate: int | None = None  # this part keeps its first two thirds
    exact: bool = True  # the answer shows exactly the source frames (else: all of them, in order)


CASES = {
    # A new sample description mid-range (here a new resolution) is what the assembler calls a
    # codec change; ffmpeg carries the new parameter sets along.
    "codec change": Case(
        ((SegmentSpec(), 0), (SegmentSpec(width=640, height=360), 1)), "codec change"
    ),
    "truncated segment": Case(
        ((SegmentSpec(audio=True), 0), (SegmentSpec(audio=True), 1), (SegmentSpec(audio=True), 2)),
        "truncated",
        truncate=1,
        exact=False,  # ffmpeg starts at the keyframe before and fills the gap it finds
    ),
    "odd timescale": Case(((SegmentSpec(), 0), (SegmentSpec(timescale=10007), 1)), "timescale"),
}


@pytest.fixture(params=list(CASES))
def case(request: pytest.FixtureRequest) -> Case:
    return CASES[request.param]


@pytest.fixture
def fallback_client(
    case: Case,
    tmp_path: Path,
    frigate_db: Path,
    media_dir: Path,
    client_factory: Callable[..., TestClient],
) -> TestClient:
    """Camera `front` recorded from the case's segments (private copies), starting at T0."""
    copies = tmp_path / "copies"
    copies.mkdir()
    for index, (spec, position) in enumerate(case.parts):
        copy = copies / f"{index:02d}.mp4"
        shutil.copyfile(make_segments(media_dir, spec)[position], copy)
        if index == case.truncate:
            data = copy.read_bytes()
            copy.write_bytes(data[: len(data) * 2 // 3])
        add_recording(
            frigate_db, tmp_path / "media" / "recordings", "front", T0 + 10 * index, copy, 10
        )
    return client_factory(clock=FixedClock(NOW))


def range_of(case: Case) -> tuple[float, float]:
    return T0 + 5.0, T0 + 10 * len(case.parts) - 5.0


def expected_frames(client: TestClient, start: float, end: float) -> list[str]:
    open_database(context_of(client).config.database.path)
    return digests(source_frames(build_plan("front", start, end, now=NOW)))


def shows(answer: bytes, expected: list[str], exact: bool) -> bool:
    got = digests(decoded_frames(io.BytesIO(answer)))
    if exact:
        return got == expected
    remaining = iter(got)
    return all(frame in remaining for frame in expected)  # in order, maybe with more between


def fallbacks_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == CLIPS_LOGGER and "served by ffmpeg" in record.getMessage()
    ]


def test_a_refused_range_is_streamed_by_ffmpeg_and_logged_once(
    case: Case, fallback_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    start, end = range_of(case)
    url = f"/api/front/start/{start}/end/{end}/clip.mp4"
    with caplog.at_level(logging.WARNING, logger=CLIPS_LOGGER):
        first = fallback_client.get(url)
        second = fallback_client.get(url)
    for response in (first, second):
        assert response.status_code == 200
        assert b"moof" in response.content  # ffmpeg's fragmented MP4, not the virtual one
        assert "content-length" not in response.headers
    logged = fallbacks_logged(caplog)
    assert len(logged) == 1 and f"({case.reason})" in logged[0]
    assert shows(first.content, expected_frames(fallback_client, start, end), case.exact)


def test_a_refused_range_with_range_gets_ffmpegs_faststart_file(
    case: Case, fallback_client: TestClient
) -> None:
    start, end = range_of(case)
    url = f"/api/front/start/{start}/end/{end}/clip.mp4"
    whole = fallback_client.get(url, headers={"range": "bytes=0-"})
    assert whole.status_code == 206
    assert whole.content.find(b"moov") < whole.content.find(b"mdat")
    assert b"moof" not in whole.content
    part = fallback_client.get(url, headers={"range": "bytes=100-199"})
    assert part.content == whole.content[100:200]
    assert part.headers["etag"] == whole.headers["etag"]
    work = context_of(fallback_client).paths.clip_cache
    assert [p.name for p in work.iterdir()] == [whole.headers["etag"].strip('"') + ".mp4"]
    assert shows(whole.content, expected_frames(fallback_client, start, end), case.exact)
