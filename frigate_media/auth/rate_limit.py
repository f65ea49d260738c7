"""Frigate's `auth.failed_login_rate_limit`: its notation, fixed windows per client address.

The notation is the one Frigate's limiter library reads: rules separated by `;`, `,` or `|`,
each `<amount>/<unit>`, `<amount> per <unit>` or `<amount>/<n> <unit>` (second, minute, hour,
day, month = 30 days, year = 360 days; plurals allowed). Each rule is a fixed window that opens
at the first counted attempt and closes `n` units later, as the library's default strategy does.

Unlike Frigate (which counts every login attempt), only failures count: an attempt is counted
when it starts, so parallel attempts cannot all slip past the check, and given back when it
succeeds. A refused attempt is not counted.
"""

from __future__ import annotations

import ipaddress
import math
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from frigate_media.errors import TooManyRequests

SEPARATORS = re.compile(r"[,;|]")
RULE = r"\s*([0-9]+)\s*(?:/|\s*per\s*)\s*([0-9]+)?\s*([a-z]+)\s*"
ONE_RULE = re.compile(rf"^{RULE}$", re.IGNORECASE)
WHOLE = re.compile(rf"^{RULE}(?:[,;|]{RULE})*$", re.IGNORECASE)
UNIT_SECONDS = {
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86400,
    "month": 30 * 86400,
    "year": 12 * 30 * 86400,
}
MAX_KEYS = 4096  # client addresses tracked at once; the least recently seen go first
IPV6_PREFIX = 64  # one IPv6 client usually owns a whole /64


@dataclass(frozen=True)
class RateLimit:
    """At most `amount` counted attempts per window of `multiples` × `unit`."""

    amount: int
    multiples: int
    unit: str

    @property
    def seconds(self) -> int:
        return self.multiples * UNIT_SECONDS[self.unit]

    def __str__(self) -> str:
        return f"{self.amount} per {self.multiples} {self.unit}"


def parse_rate_limits(text: str) -> list[RateLimit]:
    """The rules of a limit string such as `1/second;5/minute;20/hour`; ValueError if malformed."""
    if not WHOLE.match(text):
        raise ValueError(f"couldn't parse rate limit string '{text}'")
    rules = []
    for part in SEPARATORS.split(text):
        match = ONE_RULE.match(part)
        assert match is not None  # the whole string matched
        amount, multiples, unit = match.groups()
        unit = unit.lower()
        singular = unit[:-1] if unit.endswith("s") and unit[:-1] in UNIT_SECONDS else unit
        if singular not in UNIT_SECONDS:
            raise ValueError(f"no granularity matched for {unit}")
        rules.append(RateLimit(int(amount), int(multiples) if multiples else 1, singular))
    return rules


def client_key(host: str) -> str:
    """The counter a client address falls under: itself, or its /64 for IPv6."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False))
    return str(address)


class FailureLimiter:
    """Fixed-window counters of failed attempts per client, bounded in the clients they track."""

    def __init__(
        self,
        rules: list[RateLimit],
        *,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rules = rules
        self.max_keys = max_keys
        self.clock = clock
        # client -> per rule [window start, count]
        self._windows: OrderedDict[str, list[list[float]]] = OrderedDict()

    def begin(self, client: str) -> None:
        """Count an attempt by `client`; TooManyRequests (with Retry-After) when a rule is full."""
        now = self.clock()
        windows = self._windows_of(client, now)
        blocked = [
            (rule, start + rule.seconds - now)
            for rule, (start, count) in zip(self.rules, windows, strict=True)
            if now < start + rule.seconds and count >= rule.amount
        ]
        if blocked:
            rule, _ = blocked[0]
            wait = max(seconds for _, seconds in blocked)
            raise TooManyRequests(
                f"Rate limit exceeded: {rule}", retry_after=max(1, math.ceil(wait))
            )
        for rule, window in zip(self.rules, windows, strict=True):
            if now >= window[0] + rule.seconds:
                window[0], window[1] = now, 0
            window[1] += 1

    def succeeded(self, client: str) -> None:
        """Give back the attempt `begin` counted: a successful login is not a failure."""
        windows = self._windows.get(client)
        if windows is None:
            return
        for window in windows:
            window[1] = max(0, window[1] - 1)

    def _windows_of(self, client: str, now: float) -> list[list[float]]:
        windows = self._windows.get(client)
        if windows is not None:
            self._windows.move_to_end(client)
            return windows
        if len(self._windows) >= self.max_keys:
            self._forget_expired(now)
        while len(self._windows) >= self.max_keys:
            self._windows.popitem(last=False)
        windows = [[-math.inf, 0] for _ in self.rules]
        self._windows[client] = windows
        return windows

    def _forget_expired(self, now: float) -> None:
        expired = [
            client
            for client, windows in self._windows.items()
            if all(
                now >= start + rule.seconds
                for rule, (start, _) in zip(self.rules, windows, strict=True)
            )
        ]
        for client in expired:
            del self._windows[client]
