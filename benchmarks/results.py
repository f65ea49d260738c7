"""One scenario's outcome, and the markdown table plus JSON lines written under results/."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.load import Measure
from benchmarks.stats import median, summarize

NOT_AVAILABLE = "not available"


@dataclass
class Result:
    """A row of the table: the median over repeats, with the spread (min/max) beside it."""

    scenario: str
    server: str
    status: str = "ok"  # ok | not available | failed
    metric: str = ""
    value: float = math.nan
    low: float = math.nan  # min over repeats
    high: float = math.nan  # max over repeats
    repeats: int = 0
    p50_ms: float = math.nan
    p99_ms: float = math.nan
    errors: int = 0
    probe_p50_ms: float = math.nan
    probe_p99_ms: float = math.nan
    probe_max_ms: float = math.nan
    vs_reference: float | None = None
    target: str = ""
    met: bool | None = None
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: NaN (no figure) becomes null at any depth."""
        cleaned = _without_nan(asdict(self))
        assert isinstance(cleaned, dict)
        return cleaned


def _without_nan(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _without_nan(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nan(item) for item in value]
    return value


def from_measures(
    scenario: str, server: str, metric: str, measures: list[Measure], **extra: Any
) -> Result:
    """Fold repeated runs: median rate (min/max beside it), pooled latencies and probe samples."""
    rates = [m.rate for m in measures]
    latencies = [x for m in measures for x in m.latencies]
    probe = [x for m in measures for x in m.probe]
    result = Result(scenario=scenario, server=server, metric=metric, repeats=len(measures))
    result.value, result.low, result.high = median(rates), min(rates), max(rates)
    if latencies:
        summary = summarize(latencies)
        result.p50_ms, result.p99_ms = summary.p50 * 1000, summary.p99 * 1000
    elif measures and "p50" in measures[0].extra:  # wrk reports its own percentiles
        result.p50_ms = median([m.extra["p50"] for m in measures]) * 1000
        result.p99_ms = median([m.extra["p99"] for m in measures]) * 1000
    result.errors = sum(m.errors for m in measures) + sum(m.probe_errors for m in measures)
    kinds: dict[str, int] = {}
    for m in measures:
        for kind, count in m.error_kinds.items():
            kinds[kind] = kinds.get(kind, 0) + count
    if kinds:
        result.details["error_kinds"] = kinds
    if probe:
        summary = summarize(probe)
        result.probe_p50_ms = summary.p50 * 1000
        result.probe_p99_ms = summary.p99 * 1000
        result.probe_max_ms = summary.max * 1000
    for key, value in extra.items():
        setattr(result, key, value)
    return result


def _figure(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def markdown_table(results: list[Result]) -> str:
    """The table the README shows: one row per scenario and server."""
    lines = [
        "| Scenario | Server | Result (median; min–max) | p50 ms | p99 ms | Errors "
        "| Probe p50/p99/max ms | vs reference | Target | Met |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if r.status != "ok":
            value = r.status + (f": {r.notes[0]}" if r.notes else "")
            cells = [r.scenario, r.server, value, "–", "–", "–", "–", "–", r.target, "–"]
        else:
            spread = f" ({_figure(r.low)}–{_figure(r.high)})" if r.repeats > 1 else ""
            probe = "/".join(_figure(x) for x in (r.probe_p50_ms, r.probe_p99_ms, r.probe_max_ms))
            ratio = f"{r.vs_reference:.0%}" if r.vs_reference is not None else "–"
            met = {True: "yes", False: "**no**", None: "–"}[r.met]
            cells = [
                r.scenario, r.server, f"{_figure(r.value, 2)} {r.metric}{spread}",
                _figure(r.p50_ms), _figure(r.p99_ms), str(r.errors), probe, ratio, r.target, met,
            ]  # fmt: skip
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def notes_section(results: list[Result]) -> str:
    lines = [f"- **{r.scenario}** ({r.server}): {'; '.join(r.notes)}" for r in results if r.notes]
    return "\n".join(lines)


def write_results(
    directory: Path,
    stamp: str,
    header: str,
    results: list[Result],
    meta: dict[str, Any],
    latest: str = "latest",
) -> tuple[Path, Path]:
    """`bench-<stamp>.md` / `.jsonl`, copied to `<latest>.md` / `.jsonl` (the committed pair:
    `latest` for a whole run, `latest-clips` for `BENCH_ONLY=clips`)."""
    directory.mkdir(parents=True, exist_ok=True)
    markdown = f"{header}\n\n{markdown_table(results)}\n\n### Notes\n\n{notes_section(results)}\n"
    records = [json.dumps({"meta": _without_nan(meta)}, allow_nan=False)]
    records += [json.dumps(r.as_json(), default=str, allow_nan=False) for r in results]
    jsonl = "\n".join(records) + "\n"
    for name in (f"bench-{stamp}", latest):
        (directory / f"{name}.md").write_text(markdown)
        (directory / f"{name}.jsonl").write_text(jsonl)
    return directory / f"{latest}.md", directory / f"{latest}.jsonl"
