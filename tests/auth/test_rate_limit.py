"""Frigate's `failed_login_rate_limit` notation and the fixed windows counting failures."""

from __future__ import annotations

import pytest

from frigate_media.auth.rate_limit import (
    FailureLimiter,
    RateLimit,
    client_key,
    parse_rate_limits,
)
from frigate_media.config import parse_config
from frigate_media.errors import ConfigError, TooManyRequests


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("text", "rules"),
    [
        ("1/second;5/minute;20/hour", [(1, 1, "second"), (5, 1, "minute"), (20, 1, "hour")]),
        ("10 per hour", [(10, 1, "hour")]),
        ("3/5 minutes", [(3, 5, "minute")]),
        ("2/day, 4/MONTH | 9 per 2 years", [(2, 1, "day"), (4, 1, "month"), (9, 2, "year")]),
    ],
)
def test_frigates_notation_parses_as_its_limiter_library_does(
    text: str, rules: list[tuple[int, int, str]]
) -> None:
    assert [(r.amount, r.multiples, r.unit) for r in parse_rate_limits(text)] == rules


def test_window_lengths_and_their_names_follow_the_library() -> None:
    month, year = parse_rate_limits("1/month;1/year")
    assert (month.seconds, year.seconds) == (30 * 86400, 360 * 86400)
    assert str(RateLimit(1, 1, "second")) == "1 per 1 second"


@pytest.mark.parametrize("text", ["", "five/minute", "1/fortnight", "1/minute;", "1 minute"])
def test_malformed_notation_is_a_config_error_naming_the_key(text: str) -> None:
    with pytest.raises(ValueError):
        parse_rate_limits(text)
    with pytest.raises(ConfigError, match=r"auth\.failed_login_rate_limit"):
        parse_config({"auth": {"failed_login_rate_limit": text}})


def test_failures_are_refused_once_a_window_is_full_with_the_wait_in_retry_after() -> None:
    clock = FakeClock()
    limiter = FailureLimiter(parse_rate_limits("1/second;3/minute"), clock=clock)
    limiter.begin("a")
    with pytest.raises(TooManyRequests) as refused:
        limiter.begin("a")
    assert refused.value.status_code == 429
    assert refused.value.message == "Rate limit exceeded: 1 per 1 second"
    assert refused.value.headers["Retry-After"] == "1"
    limiter.begin("b")  # another client has its own windows
    clock.now += 1
    limiter.begin("a")
    clock.now += 1
    limiter.begin("a")
    clock.now += 1
    with pytest.raises(TooManyRequests) as refused:
        limiter.begin("a")  # three in the minute that began at 1000
    assert refused.value.message == "Rate limit exceeded: 3 per 1 minute"
    assert refused.value.headers["Retry-After"] == "57"
    clock.now = 1060
    limiter.begin("a")  # a new minute window


def test_a_successful_attempt_is_given_back_so_it_never_locks_anyone_out() -> None:
    clock = FakeClock()
    limiter = FailureLimiter(parse_rate_limits("2/hour"), clock=clock)
    for _ in range(10):
        limiter.begin("a")
        limiter.succeeded("a")
        clock.now += 1
    limiter.begin("a")
    limiter.begin("a")
    with pytest.raises(TooManyRequests):
        limiter.begin("a")


def test_parallel_attempts_count_before_they_finish() -> None:
    limiter = FailureLimiter(parse_rate_limits("5/minute"), clock=FakeClock())
    admitted = 0
    with pytest.raises(TooManyRequests):
        for _ in range(24):  # none has finished (failed or succeeded) yet
            limiter.begin("a")
            admitted += 1
    assert admitted == 5


def test_the_clients_tracked_are_bounded_and_expired_ones_go_first() -> None:
    clock = FakeClock()
    limiter = FailureLimiter(parse_rate_limits("1/minute"), max_keys=3, clock=clock)
    limiter.begin("old")
    clock.now += 61
    for client in ("a", "b", "c", "d"):
        limiter.begin(client)
    assert len(limiter._windows) == 3
    with pytest.raises(TooManyRequests):
        limiter.begin("d")


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.4", "198.51.100.4"),
        ("testclient", "testclient"),
    ],
)
def test_an_ipv6_client_is_counted_by_its_64_prefix(host: str, key: str) -> None:
    assert client_key(host) == key
