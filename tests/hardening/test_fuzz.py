"""Schemathesis over the app's own OpenAPI: no 5xx, and content types as the document declares.

The CI run is bounded (FUZZ_EXAMPLES, default 25 per operation, derandomized); `make fuzz`
raises it. The app runs in process (ASGI) over the real two-camera world. The MJPEG route
(`GET /api/{camera_name}`) is excluded: it never ends, and the ASGI transport waits for the
end of a response. Every other stream (clip.mp4, HLS) is finite over the world's recordings.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance

from frigate_media.app import create_app
from frigate_media.config import parse_config
from tests.conftest import base_config_dict
from tests.hardening.world import World, build_world
from tests.support.media import ClipSpec, make_clip

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
ENDLESS = r"^/api/\{camera_name\}$"


def fuzz_world(root: Path) -> World:
    clips = root / "clips"
    clips.mkdir(parents=True, exist_ok=True)
    clip = make_clip(clips, ClipSpec(seconds=10, fps=5, width=320, height=240))
    preview = make_clip(clips, ClipSpec(seconds=60, fps=1, width=320, height=180, gop_seconds=10))
    return build_world(root, clip, preview)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    world = fuzz_world(tmp_path_factory.mktemp("fuzz"))
    config = parse_config(base_config_dict(world.root))
    return create_app(config, background=False)


def fuzz_operation(operation: Any) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(checks=[not_a_server_error, content_type_conformance])

    run()


def test_no_operation_answers_5xx_or_an_undeclared_content_type(fuzz_app: Any) -> None:
    # Driven directly: the schemathesis pytest plugin does not load under pytest 9.
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app).exclude(
        method="GET", path_regex=ENDLESS
    )
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            fuzz_operation(operation)
        except Exception as error:
            failures.append(f"{operation.label}: {str(error)[:1500]}")
    assert operations >= 8
    assert not failures, "\n\n".join(failures)
