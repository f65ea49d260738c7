"""HLS at nginx-vod's URLs through the app: playlists, init and segments, access and errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from frigate_media.clock import FixedClock
from tests.support.db import insert_event
from tests.support.hls import parse_master, parse_media, record_clips, top_level_boxes

T0 = 1_719_000_000.0  # 2024-06-21 20:00:00 UTC, a segment boundary
LATER = T0 + 10_000
PROXY = {"proxy": {"header_map": {"user": "x-forwarded-user", "role": "x-forwarded-role"}}}


@pytest.fixture
def recorded(tmp_path: Path, frigate_db: Path, clip_factory: Callable[..., Path]) -> Path:
    """Six 10-s recordings of `front` (GOP 1 s) from T0, one of `back`."""
    clip = clip_factory(seconds=10, gop_seconds=1)
    record_clips(frigate_db, tmp_path / "media" / "recordings", "front", T0, clip, 6)
    record_clips(frigate_db, tmp_path / "media" / "recordings", "back", T0, clip, 1)
    return frigate_db


@pytest.fixture
def hls_client(client_factory: Callable[..., TestClient], recorded: Path) -> TestClient:
    return client_factory(PROXY, clock=FixedClock(LATER))


def get_ok(client: TestClient, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.text[:200])
    return response


def test_master_playlist_advertises_one_h264_variant_with_the_query(hls_client: TestClient) -> None:
    response = get_ok(
        hls_client, f"/vod/front/start/{T0}/end/{T0 + 60}/master.m3u8?authSig=abc.def"
    )
    assert response.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert response.headers["cache-control"] == "no-store"
    master = parse_master(response.text)
    assert master.uri == "index-v1.m3u8?authSig=abc.def"
    assert master.attributes["RESOLUTION"] == "320x240"
    assert master.attributes["FRAME-RATE"] == "5.000"
    assert master.attributes["CODECS"].startswith("avc1.")
    assert len(master.attributes["CODECS"]) == len("avc1.64000D")
    assert int(master.attributes["BANDWIDTH"]) > 10_000


def test_index_playlist_has_one_segment_per_recording_and_ends(hls_client: TestClient) -> None:
    text = get_ok(hls_client, f"/vod/front/start/{T0 + 3.3}/end/{T0 + 56.5}/index-v1.m3u8").text
    playlist = parse_media(text)
    assert playlist.version == 6 and playlist.media_sequence == 1 and playlist.independent
    assert playlist.playlist_type == "VOD" and playlist.ended
    assert playlist.map_uri == "init-v1.mp4"
    assert [s.uri for s in playlist.segments] == [f"seg-{n}-v1.m4s" for n in range(1, 7)]
    # 3.3 s snaps back to the 3.0 s keyframe: 7.0 + 4 x 10 + 6.5 s
    assert [s.duration for s in playlist.segments] == [7.0, 10.0, 10.0, 10.0, 10.0, 6.5]
    assert playlist.target_duration == 10
    assert not any(s.discontinuity for s in playlist.segments)


def test_every_uri_carries_the_query_string_including_the_map(hls_client: TestClient) -> None:
    query = "authSig=eyJ0eXAiOiJKV1Qi.x_y-z&extra=1"
    text = get_ok(hls_client, f"/vod/front/start/{T0}/end/{T0 + 30}/index.m3u8?{query}").text
    playlist = parse_media(text)
    assert playlist.map_uri == f"init-v1.mp4?{query}"
    assert all(segment.uri.endswith(f".m4s?{query}") for segment in playlist.segments)
    assert len(playlist.segments) == 3


def test_init_is_ftyp_and_moov_and_segments_are_moof_and_mdat(hls_client: TestClient) -> None:
    base = f"/vod/front/start/{T0 + 3.3}/end/{T0 + 25}"
    init = get_ok(hls_client, f"{base}/init-v1.mp4")
    assert init.headers["content-type"] == "video/mp4"
    assert top_level_boxes(init.content) == ["ftyp", "moov"]
    for number in (1, 2, 3):
        segment = get_ok(hls_client, f"{base}/seg-{number}-v1.m4s")
        assert segment.headers["content-type"] == "video/mp4"
        kinds = top_level_boxes(segment.content)
        assert set(kinds) == {"moof", "mdat"} and kinds[0] == "moof"


def test_a_cached_segment_is_served_again_byte_for_byte(hls_client: TestClient) -> None:
    url = f"/vod/front/start/{T0}/end/{T0 + 20}/seg-2-v1.m4s"
    first = get_ok(hls_client, url).content
    assert get_ok(hls_client, url).content == first


def test_clip_form_puts_a_discontinuity_before_each_later_recording(
    hls_client: TestClient,
) -> None:
    text = get_ok(hls_client, f"/vod/clip/front/start/{T0 + 5}/end/{T0 + 35}/index.m3u8").text
    playlist = parse_media(text)
    assert [s.discontinuity for s in playlist.segments] == [False, True, True, True]
    assert playlist.total == pytest.approx(30.0, abs=0.001)


def test_event_form_pads_the_event_and_reaches_the_segments(
    hls_client: TestClient, recorded: Path
) -> None:
    event_id = insert_event(recorded, "front", T0 + 13.5, T0 + 17)
    text = get_ok(hls_client, f"/vod/event/{event_id}/index.m3u8?padding=1").text
    playlist = parse_media(text)
    assert playlist.total == pytest.approx(6.0, abs=0.001)  # from the 12 s keyframe to 18 s
    assert playlist.ended
    segment = get_ok(hls_client, f"/vod/event/{event_id}/seg-1-v1.m4s?padding=1")
    assert top_level_boxes(segment.content)[0] == "moof"


def test_an_event_in_progress_gives_a_closed_playlist_of_what_is_recorded(
    client_factory: Callable[..., TestClient], recorded: Path
) -> None:
    event_id = insert_event(recorded, "front", T0 + 42, None)
    client = client_factory(PROXY, clock=FixedClock(T0 + 60))
    playlist = parse_media(get_ok(client, f"/vod/event/{event_id}/index.m3u8").text)
    # nginx-vod's mapped-mode playlists are VOD even for an open event: players start at 0.
    assert playlist.ended and playlist.playlist_type == "VOD"
    assert playlist.total == pytest.approx(18.0, abs=0.001)  # 42 s (a keyframe) to 60 s


def test_a_range_reaching_into_the_present_gives_a_closed_playlist(
    client_factory: Callable[..., TestClient], recorded: Path
) -> None:
    client = client_factory(PROXY, clock=FixedClock(T0 + 55))
    playlist = parse_media(get_ok(client, f"/vod/front/start/{T0}/end/{T0 + 120}/index.m3u8").text)
    assert playlist.ended and playlist.playlist_type == "VOD"
    assert len(playlist.segments) == 6


def test_asking_again_for_a_running_event_gives_a_longer_closed_list_that_keeps_its_start(
    tmp_path: Path,
    frigate_db: Path,
    clip_factory: Callable[..., Path],
    client_factory: Callable[..., TestClient],
) -> None:
    clip = clip_factory(seconds=10, gop_seconds=1)
    recordings = tmp_path / "media" / "recordings"
    record_clips(frigate_db, recordings, "front", T0, clip, 3)
    event_id = insert_event(frigate_db, "front", T0 + 5, None)
    clock = FixedClock(T0 + 31)
    client = client_factory(PROXY, clock=clock)
    base = f"/vod/event/{event_id}"
    first = parse_media(get_ok(client, f"{base}/index-v1.m3u8?authSig=a").text)
    early_segment = get_ok(client, f"{base}/seg-2-v1.m4s?authSig=a").content
    record_clips(frigate_db, recordings, "front", T0 + 30, clip, 2)
    clock.advance(20)
    again = parse_media(get_ok(client, f"{base}/index-v1.m3u8?authSig=a").text)
    assert first.ended and again.ended
    assert [s.duration for s in first.segments] == [5.0, 10.0, 10.0]
    assert [s.duration for s in again.segments] == [5.0, 10.0, 10.0, 10.0, 10.0]
    assert again.segments[:3] == first.segments
    # The segments a player already has stay where they were, byte for byte.
    assert get_ok(client, f"{base}/seg-2-v1.m4s?authSig=a").content == early_segment
    assert top_level_boxes(get_ok(client, f"{base}/seg-5-v1.m4s?authSig=a").content)[0] == "moof"


def test_hour_forms_in_utc_and_in_a_named_zone(hls_client: TestClient) -> None:
    utc = parse_media(get_ok(hls_client, "/vod/2024-06/21/20/front/utc/index.m3u8").text)
    assert len(utc.segments) == 6
    zoned = get_ok(hls_client, "/vod/2024-06/21/22/front/Europe,Berlin/index-v1.m3u8?x=1")
    assert parse_media(zoned.text).segments[0].uri == "seg-1-v1.m4s?x=1"
    assert hls_client.get("/vod/2024-06/21/21/front/utc/index.m3u8").status_code == 404


def test_the_same_routes_answer_under_the_api_prefix(hls_client: TestClient) -> None:
    text = get_ok(hls_client, f"/api/vod/front/start/{T0}/end/{T0 + 10}/index.m3u8").text
    assert len(parse_media(text).segments) == 1


@pytest.mark.parametrize(
    "url",
    [
        f"/vod/front/start/{T0 + 500}/end/{T0 + 600}/index.m3u8",
        f"/vod/front/start/{T0}/end/{T0 + 20}/seg-3-v1.m4s",
        f"/vod/front/start/{T0}/end/{T0 + 20}/seg-0-v1.m4s",
        f"/vod/front/start/{T0}/end/{T0 + 20}/init-v1.mp4x",
        f"/vod/front/start/{T0}/end/{T0 + 20}/playlist.m3u8",
        f"/vod/garage/start/{T0}/end/{T0 + 20}/index.m3u8",
        "/vod/event/1719000001.0-nosuch/master.m3u8",
        "/vod/event/" + "9" * 80 + "/master.m3u8",
    ],
)
def test_missing_things_are_404_json(hls_client: TestClient, url: str) -> None:
    response = hls_client.get(url)
    assert response.status_code == 404
    assert response.json()["success"] is False


@pytest.mark.parametrize(
    "path",
    [
        f"front/start/nan/end/{T0}",
        f"front/start/{T0}/end/inf",
        f"front/start/{T0 + 20}/end/{T0}",
        "2024-13/01/00/front/utc",
        "2024-06/21/20/front/Not,AZone",
    ],
)
def test_bad_times_are_400_json(hls_client: TestClient, path: str) -> None:
    response = hls_client.get(f"/vod/{path}/index.m3u8")
    assert response.status_code == 400
    assert response.json()["success"] is False


def test_a_role_without_the_camera_gets_403_for_every_file(hls_client: TestClient) -> None:
    headers = {"x-forwarded-user": "bob", "x-forwarded-role": "front_only"}
    for name in ("master.m3u8", "index-v1.m3u8", "init-v1.mp4", "seg-1-v1.m4s"):
        response = hls_client.get(f"/vod/back/start/{T0}/end/{T0 + 10}/{name}", headers=headers)
        assert response.status_code == 403, name
    allowed = hls_client.get(f"/vod/front/start/{T0}/end/{T0 + 10}/master.m3u8", headers=headers)
    assert allowed.status_code == 200


def test_an_event_of_a_hidden_camera_is_403_after_loading(
    hls_client: TestClient, recorded: Path
) -> None:
    event_id = insert_event(recorded, "back", T0 + 2, T0 + 5)
    headers = {"x-forwarded-user": "bob", "x-forwarded-role": "front_only"}
    assert hls_client.get(f"/vod/event/{event_id}/master.m3u8", headers=headers).status_code == 403
    assert hls_client.get(f"/vod/event/{event_id}/master.m3u8").status_code == 200


TEN_YEARS = 10 * 365 * 86_400
BAD_FORMS = [
    f"front/start/{T0 - TEN_YEARS}/end/{T0}",  # longer than limits.clip_max_seconds
    f"clip/front/start/{T0 - TEN_YEARS}/end/{T0}",
    f"front/start/{T0}/end/{T0 + 86_400.5}",
    f"front/start/nan/end/{T0}",
    f"front/start/{T0 + 20}/end/{T0}",
    "2024-06/xx/20/front/utc",
    "2024-06/21/005/front/utc",
    "2024-06/21/1e1/front",
    "2024-06/31/20/front/utc",
    "2024-13/21/20/front",
    "2024-06/21/20/front/Mars,Olympus",
    "2024-03/10/2/front/America,New_York",  # the skipped spring-forward hour: 404
    "event/1719000001.0-nosuch",
    "event/" + "9" * 80,
    "event/a..b",
]


@pytest.mark.parametrize("playlist", ["index.m3u8", "master.m3u8"])
@pytest.mark.parametrize("prefix", ["", "/api"])
def test_a_ten_year_range_is_the_same_400_as_the_mapping_json(
    hls_client: TestClient, prefix: str, playlist: str
) -> None:
    form = f"front/start/{T0 - TEN_YEARS}/end/{T0 + 60}"
    mapping = hls_client.get(f"/api/vod/{form}")
    assert mapping.status_code == 400
    response = hls_client.get(f"{prefix}/vod/{form}/{playlist}")
    assert response.status_code == 400
    assert response.json() == mapping.json()
    assert response.json()["message"] == "The range may be at most 86400 seconds long"


@pytest.mark.parametrize("form", BAD_FORMS)
def test_hls_and_the_mapping_json_answer_a_bad_form_alike(
    hls_client: TestClient, form: str
) -> None:
    mapping = hls_client.get(f"/api/vod/{form}")
    assert 400 <= mapping.status_code < 500, form
    for name in ("master.m3u8", "index-v1.m3u8", "seg-1-v1.m4s"):
        response = hls_client.get(f"/vod/{form}/{name}")
        assert (response.status_code, response.json()) == (mapping.status_code, mapping.json())


def test_an_event_longer_than_the_bound_is_400_on_hls_as_on_the_mapping(
    client_factory: Callable[..., TestClient], recorded: Path
) -> None:
    event_id = insert_event(recorded, "front", T0, None)
    client = client_factory(PROXY, clock=FixedClock(T0 + 2 * 86_400))
    mapping = client.get(f"/api/vod/event/{event_id}")
    playlist = client.get(f"/vod/event/{event_id}/index.m3u8")
    assert mapping.status_code == playlist.status_code == 400
    assert playlist.json() == mapping.json()


def test_the_local_hour_form_uses_the_server_zone_like_the_mapping(
    hls_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server zone is set through the resolver: this host's zone cannot be changed here."""
    monkeypatch.setattr(
        "frigate_media.services.recordings.vod_forms.local_zone_name", lambda: "UTC"
    )
    playlist = parse_media(get_ok(hls_client, "/vod/2024-06/21/20/front/index.m3u8").text)
    assert len(playlist.segments) == 6
    mapping = get_ok(hls_client, "/api/vod/2024-06/21/20/front").json()
    assert [round(s.duration * 1000) for s in playlist.segments] == mapping["durations"]


def test_a_segment_honours_range_and_answers_a_bad_one_with_json(hls_client: TestClient) -> None:
    url = f"/vod/front/start/{T0}/end/{T0 + 20}/seg-1-v1.m4s"
    whole = get_ok(hls_client, url)
    assert whole.headers["content-type"] == "video/mp4"
    assert whole.headers["cache-control"] == "no-store"
    part = hls_client.get(url, headers={"range": "bytes=0-99"})
    assert part.status_code == 206
    assert part.content == whole.content[:100]
    past = hls_client.get(url, headers={"range": f"bytes={len(whole.content)}-"})
    assert past.status_code == 416
    assert past.json()["success"] is False
