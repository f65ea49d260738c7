"""wrk's report is read into requests/s, latency percentiles and error counts."""

from __future__ import annotations

import pytest

from benchmarks.load import parse_wrk

WRK_REPORT = """Running 3s test @ http://127.0.0.1:5000/api/front/latest.jpg?height=720
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    21.30ms    5.12ms   1.20s    80.00%
    Req/Sec   750.00    100.00     1.00k    70.00%
  Latency Distribution
     50%   20.50ms
     75%   24.00ms
     90%   28.00ms
     99%  850.00us
  4500 requests in 3.00s, 200.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:   1500.25
Transfer/sec:     66.67MB
"""


def test_wrk_report_gives_rate_percentiles_in_seconds_and_errors() -> None:
    parsed = parse_wrk(WRK_REPORT)
    assert parsed["rate"] == 1500.25
    assert parsed["p50"] == pytest.approx(0.0205)
    assert parsed["p99"] == pytest.approx(0.00085)
    assert parsed["max"] == pytest.approx(1.2)
    assert parsed["requests"] == 4500
    assert (parsed["non_2xx"], parsed["socket_errors"], parsed["errors"]) == (7, 5, 12)


def test_a_report_without_errors_counts_none() -> None:
    clean = WRK_REPORT.replace("  Socket errors: connect 0, read 2, write 0, timeout 3\n", "")
    clean = clean.replace("  Non-2xx or 3xx responses: 7\n", "")
    assert parse_wrk(clean)["errors"] == 0
