"""The load generators, measured against the do-nothing reference server as a real process."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.http import Connection
from benchmarks.load import Measure, closed_loop, mjpeg_viewers
from benchmarks.results import Result, from_measures, markdown_table, write_results
from benchmarks.scenarios import available
from benchmarks.servers import Server, footprint, start_reference
from tests.support.media import make_image

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("reference")
    images = {
        "jpeg": make_image(folder / "full.jpg", 320, 180),
        "webp": make_image(folder / "small.webp", 160, 90),
        "mjpeg": make_image(folder / "frame.jpg", 160, 90),
    }
    server = asyncio.run(start_reference(images, folder))
    yield server
    server.stop()


def test_closed_loop_counts_requests_and_probes_the_version_route(reference: Server) -> None:
    measure = asyncio.run(
        closed_loop(*reference.address, lambda n: "/api/cam/latest.jpg", 2, 1.0, max_requests=50)
    )
    assert measure.errors == 0
    assert len(measure.latencies) == 50
    assert measure.rate > 0
    assert measure.extra["sizes"][0] == (Path(reference.log).parent / "full.jpg").stat().st_size
    assert measure.probe, "the /api/version probe ran alongside"


def test_error_answers_are_counted_not_timed(reference: Server) -> None:
    measure = asyncio.run(
        closed_loop(*reference.address, lambda n: "/nothing/here", 1, 1.0, max_requests=5)
    )
    assert measure.errors == 5
    assert measure.error_kinds == {"HTTP 404": 5}
    assert measure.latencies == []


def test_mjpeg_viewers_receive_about_the_asked_frame_rate(reference: Server) -> None:
    measure = asyncio.run(
        mjpeg_viewers(*reference.address, ["/api/cam?fps=5"], viewers=3, warmup=0.5, seconds=2.0)
    )
    assert measure.errors == 0
    rates = measure.extra["rates"]
    assert len(rates) == 3
    # Frames come every 200 ms: never more than the asked rate (plus one frame of fence-post).
    assert all(0 < rate <= 5.5 for rate in rates)
    assert measure.latencies, "gaps between frames were recorded"


def test_a_missing_route_is_not_available_and_a_served_one_is(reference: Server) -> None:
    assert asyncio.run(available(reference, "/api/no/such/route/x.m3u8"))[0] is False
    assert asyncio.run(available(reference, "/api/cam/latest.webp")) == (True, "")


def test_chunked_streams_are_decoded_into_whole_multipart_frames(reference: Server) -> None:
    async def first_bytes() -> tuple[int, str, bytes]:
        connection = Connection(*reference.address, timeout=10)
        try:
            status, headers, body = await connection.stream("/api/cam?fps=10")
            data = b""
            async for chunk in body:
                data += chunk
                if data.count(b"--frame") >= 2:
                    break
            return status, headers.get("content-type", ""), data
        finally:
            await connection.close()

    status, content_type, data = asyncio.run(first_bytes())
    assert status == 200
    assert content_type.startswith("multipart/x-mixed-replace")
    assert data.startswith(b"--frame\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8")


def test_footprint_counts_a_process_and_its_children() -> None:
    child = subprocess.Popen(["sleep", "30"])
    try:
        figures = footprint(os.getpid())
    finally:
        child.kill()
        child.wait()
    assert figures["server_rss_mib"] > 10
    assert figures["server_fds"] >= 3
    assert figures["children"] >= 1
    assert "sleep" in figures["child_names"]


def test_the_table_shows_medians_spreads_and_unavailable_rows() -> None:
    measures = [Measure(rate=rate, latencies=[0.01, 0.02]) for rate in (100.0, 300.0, 200.0)]
    folded = from_measures("latest.jpg", "frigate-media", "req/s", measures)
    assert (folded.value, folded.low, folded.high, folded.repeats) == (200.0, 100.0, 300.0, 3)
    missing = Result(scenario="HLS", server="frigate-media", status="not available",
                     notes=["HTTP 404: route not built"])  # fmt: skip
    table = markdown_table([folded, missing])
    assert "| latest.jpg | frigate-media | 200 req/s (100–300) |" in table
    assert "| HLS | frigate-media | not available: HTTP 404: route not built |" in table


def test_json_lines_hold_no_nan_even_in_details(tmp_path: Path) -> None:
    row = Result(scenario="x", server="s", details={"fps": [float("nan"), 5.0]})
    _, jsonl = write_results(tmp_path, "stamp", "# header", [row], {"load": float("nan")})
    lines = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert lines[0] == {"meta": {"load": None}}
    assert lines[1]["value"] is None
    assert lines[1]["details"] == {"fps": [None, 5.0]}
    assert (tmp_path / "bench-stamp.md").read_text() == (tmp_path / "latest.md").read_text()
