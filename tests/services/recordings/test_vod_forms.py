"""Each `/vod/...` URL form resolved to one VodRange: bounds, DST hours, zones, malformed parts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from tzlocal import get_localzone_name

from frigate_media.errors import BadRequest, NotFound
from frigate_media.services.recordings.vod_forms import (
    VodRange,
    event_of,
    hour_of,
    local_zone_name,
    range_of,
)
from tests.support.events import event_record

T0 = 1_719_000_000.0  # 2024-06-21 20:00:00 UTC
DAY = 86_400.0
HOUR_LENGTH = 3600 - 0.001


def utc(year: int, month: int, day: int, hour: int) -> float:
    return datetime(year, month, day, hour, tzinfo=ZoneInfo("UTC")).timestamp()


# The range and clip forms.


def test_a_range_resolves_to_its_camera_and_times() -> None:
    assert range_of("front", T0, T0 + 20, DAY) == VodRange("front", T0, T0 + 20)


def test_the_clip_form_is_the_range_with_a_discontinuity() -> None:
    vod = range_of("front", T0, T0 + 20, DAY, discontinuity=True)
    assert vod.discontinuity and not vod.in_progress and vod.event_id is None


def test_a_range_may_be_exactly_the_bound() -> None:
    assert range_of("front", T0, T0 + DAY, DAY).end == T0 + DAY


@pytest.mark.parametrize("length", [DAY + 0.001, 10 * 365 * DAY])
def test_a_range_longer_than_the_bound_is_400(length: float) -> None:
    with pytest.raises(BadRequest, match=r"^The range may be at most 86400 seconds long$"):
        range_of("front", T0, T0 + length, DAY)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (float("nan"), T0, "start_ts must be a finite number of seconds"),
        (T0, float("inf"), "end_ts must be a finite number of seconds"),
        (-1.0, T0, "start_ts is out of range"),
        (T0, 1e308, "end_ts is out of range"),
        (T0 + 20, T0, "start_ts must be before end_ts"),
        (T0, T0, "start_ts must be before end_ts"),
    ],
)
def test_malformed_ranges_are_400_with_a_message(start: float, end: float, message: str) -> None:
    with pytest.raises(BadRequest) as error:
        range_of("front", start, end, DAY)
    assert error.value.message == message


# The hour forms.


def test_an_hour_in_utc_is_that_hour_less_a_millisecond() -> None:
    vod = hour_of("front", "2024-06", "21", "20", "utc", DAY)
    assert vod == VodRange("front", T0, T0 + HOUR_LENGTH)


@pytest.mark.parametrize("zone", ["utc", "UTC", "Utc"])
def test_utc_is_accepted_in_any_case(zone: str) -> None:
    assert hour_of("front", "2024-06", "21", "20", zone, DAY).start == T0


@pytest.mark.parametrize(("day", "hour"), [("1", "5"), ("01", "05")])
def test_day_and_hour_take_one_or_two_digits(day: str, hour: str) -> None:
    assert hour_of("front", "2024-06", day, hour, "utc", DAY).start == utc(2024, 6, 1, 5)


@pytest.mark.parametrize(
    ("local_day", "local_hour", "utc_hour"),
    [
        ((2024, 3, 10), "1", 6),  # before spring forward: EST, UTC-5
        ((2024, 3, 10), "3", 7),  # after spring forward: EDT, UTC-4
        ((2024, 11, 3), "0", 4),  # before fall back: EDT
        ((2024, 11, 3), "1", 5),  # the repeated hour means its first occurrence (EDT)
        ((2024, 11, 3), "2", 7),  # after fall back: EST
        ((2024, 6, 21), "16", 20),  # summer: EDT
        ((2024, 1, 15), "15", 20),  # winter: EST
    ],
)
def test_a_named_zone_uses_its_offset_at_that_hour(
    local_day: tuple[int, int, int], local_hour: str, utc_hour: int
) -> None:
    year, month, day = local_day
    vod = hour_of("front", f"{year}-{month:02d}", str(day), local_hour, "America,New_York", DAY)
    assert vod.start == utc(year, month, day, 0) + utc_hour * 3600
    assert vod.end - vod.start == pytest.approx(HOUR_LENGTH, abs=1e-6)


def test_the_hour_skipped_by_spring_forward_has_nothing_recorded() -> None:
    with pytest.raises(NotFound):
        hour_of("front", "2024-03", "10", "2", "America,New_York", DAY)


@pytest.mark.parametrize(
    ("year_month", "day", "hour", "zone", "message"),
    [
        ("2024-6", "21", "20", "utc", "year_month must look like YYYY-MM"),
        ("24-06", "21", "20", "utc", "year_month must look like YYYY-MM"),
        ("2024-13", "21", "20", "utc", "Invalid date or hour"),
        ("2024-06", "31", "20", "utc", "Invalid date or hour"),
        ("2024-06", "21", "24", "utc", "Invalid date or hour"),
        ("2024-06", "xx", "20", "utc", "day must be a number"),
        ("2024-06", "021", "20", "utc", "day must be a number"),
        ("2024-06", "21", "1e1", "utc", "hour must be a number"),
        ("2024-06", "21", "-1", "utc", "hour must be a number"),
        ("2024-06", "21", "\u0661\u0662", "utc", "hour must be a number"),  # Arabic-Indic digits
        ("2024-06", "21", "", "utc", "hour must be a number"),
        ("2024-06", "21", "20", "Mars,Olympus", "Unknown time zone: Mars,Olympus"),
        ("2024-06", "21", "20", "..,..,etc,localtime", "Unknown time zone: ..,..,etc,localtime"),
    ],
)
def test_malformed_hour_parts_are_400_with_a_message(
    year_month: str, day: str, hour: str, zone: str, message: str
) -> None:
    with pytest.raises(BadRequest) as error:
        hour_of("front", year_month, day, hour, zone, DAY)
    assert error.value.message == message


def test_an_hour_is_bounded_like_every_other_form() -> None:
    with pytest.raises(BadRequest, match="at most 1800 seconds"):
        hour_of("front", "2024-06", "21", "20", "utc", 1800)


# The server's zone, for the local hour form.


def test_the_local_zone_is_tzlocals_in_url_form() -> None:
    assert local_zone_name() == (get_localzone_name() or "UTC").replace("/", ",")


def test_a_zone_name_with_slashes_becomes_frigates_url_form() -> None:
    assert local_zone_name(lambda: "America/Argentina/Buenos_Aires") == (
        "America,Argentina,Buenos_Aires"
    )


def test_an_unknown_server_zone_falls_back_to_utc() -> None:
    """The lookups here stand in for tzlocal on a host whose zone cannot be told: this host's
    own zone configuration cannot be broken from a test."""

    def broken() -> str:
        raise LookupError("no /etc/localtime")

    assert local_zone_name(broken) == "UTC"
    assert local_zone_name(lambda: None) == "UTC"
    assert hour_of("front", "2024-06", "21", "20", local_zone_name(broken), DAY).start == T0


# The event form.


def test_an_ended_event_is_padded_and_named() -> None:
    vod = event_of(event_record(T0 + 20, T0 + 30, id="1719000000.0-abcdef"), 5, T0 + DAY, DAY)
    assert vod == VodRange("front", T0 + 15, T0 + 35, event_id="1719000000.0-abcdef")
    assert not vod.in_progress and not vod.discontinuity


def test_an_open_event_runs_until_now_and_is_in_progress() -> None:
    vod = event_of(event_record(T0 + 20, None), 5, T0 + 60, DAY)
    assert (vod.start, vod.end, vod.in_progress) == (T0 + 15, T0 + 60, True)


def test_an_instant_event_resolves_rather_than_being_malformed() -> None:
    vod = event_of(event_record(T0, T0), 0, T0 + DAY, DAY)
    assert vod.end - vod.start == pytest.approx(0.001, abs=1e-6)


def test_an_event_longer_than_the_bound_is_the_same_400_as_a_range() -> None:
    stuck_open = event_record(T0, None)
    with pytest.raises(BadRequest, match=r"^The range may be at most 86400 seconds long$"):
        event_of(stuck_open, 0, T0 + 2 * DAY, DAY)
    with pytest.raises(BadRequest, match=r"^The range may be at most 86400 seconds long$"):
        event_of(event_record(T0, T0 + 10), int(DAY), T0 + 3 * DAY, DAY)
