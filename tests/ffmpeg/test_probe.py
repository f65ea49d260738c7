"""Opening and probing media: one error mapping, results cached per version of a file."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from frigate_media.errors import NotFound, UpstreamFailed
from frigate_media.ffmpeg.probe import open_media, probe
from frigate_media.hls.facts import stream_facts
from frigate_media.services.recordings.frame_at import frame_index


def test_opening_a_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match=r"gone\.mp4"):
        open_media(str(tmp_path / "gone.mp4"))


def test_opening_junk_is_an_upstream_failure(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00\x00\x00\x18ftypjunk" + bytes(64))
    with pytest.raises(UpstreamFailed, match=r"junk\.mp4"):
        open_media(str(junk))


def test_a_timeout_still_opens_a_local_file(clip_factory: Callable[..., Path]) -> None:
    with open_media(str(clip_factory(seconds=2)), timeout=5.0) as container:
        assert container.streams.video[0].codec_context.width == 320


def test_a_file_replaced_by_a_longer_one_is_probed_again(
    clip_factory: Callable[..., Path], tmp_path: Path
) -> None:
    path = tmp_path / "recording.mp4"
    shutil.copyfile(clip_factory(seconds=2), path)
    assert probe(str(path)).duration == pytest.approx(2.0, abs=0.3)
    assert len(frame_index(str(path)).times) == 10
    shutil.copyfile(clip_factory(seconds=4), path)
    assert probe(str(path)).duration == pytest.approx(4.0, abs=0.3)
    assert len(frame_index(str(path)).times) == 20


def test_probing_a_missing_file_is_not_found_by_every_reader(tmp_path: Path) -> None:
    missing = str(tmp_path / "gone.mp4")
    with pytest.raises(NotFound, match=r"gone\.mp4"):
        probe(missing)
    with pytest.raises(NotFound, match=r"gone\.mp4"):
        frame_index(missing)
    with pytest.raises(NotFound, match=r"gone\.mp4"):
        stream_facts(missing)


def test_an_unreadable_recording_has_no_stream_facts(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(bytes(128))
    with pytest.raises(NotFound, match=r"Unable to read recording junk\.mp4"):
        stream_facts(str(junk))
