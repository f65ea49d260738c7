"""Frigate's own headers keep Frigate's exact bytes: clients parse them."""

from __future__ import annotations

from frigate_media.api import frigate_headers


def test_an_event_frame_time_is_pythons_float_text_and_zero_when_unknown() -> None:
    assert frigate_headers.event_frame_time(1700000003.25) == {"X-Frame-Time": "1700000003.25"}
    assert frigate_headers.event_frame_time(1700000000.0) == {"X-Frame-Time": "1700000000.0"}
    assert frigate_headers.event_frame_time(None) == {"X-Frame-Time": "0"}


def test_a_recorded_frame_time_has_microseconds() -> None:
    assert frigate_headers.recorded_frame_time(1700000005.2) == {
        "X-Frame-Time": "1700000005.200000"
    }


def test_the_offline_flag_is_frigates() -> None:
    assert frigate_headers.offline() == {"X-Frigate-Offline": "true"}


def test_a_snapshot_download_names_the_file_unquoted_as_frigate_does() -> None:
    assert frigate_headers.snapshot_download("snapshot-1.5-abc.jpg") == {
        "Content-Disposition": "attachment; filename=snapshot-1.5-abc.jpg"
    }


def test_a_file_download_is_quoted_and_encoded_only_when_it_must_be() -> None:
    assert frigate_headers.file_download("front_2024-06-01_10-00-00.000Z.mp4") == {
        "Content-Disposition": 'attachment; filename="front_2024-06-01_10-00-00.000Z.mp4"'
    }
    assert frigate_headers.file_download("a b.mp4") == {
        "Content-Disposition": "attachment; filename*=utf-8''a%20b.mp4"
    }


def test_a_preview_file_names_nginxs_cache_copy_only_behind_frigates_nginx() -> None:
    direct = frigate_headers.preview_file("preview_front_1.0-2.0.mp4", behind_frigate_nginx=False)
    assert direct == {
        "Content-Description": "File Transfer",
        "Content-Disposition": 'attachment; filename="preview_front_1.0-2.0.mp4"',
    }
    behind = frigate_headers.preview_file("preview_front_1.0-2.0.mp4", behind_frigate_nginx=True)
    assert behind["X-Accel-Redirect"] == "/cache/preview_front_1.0-2.0.mp4"
