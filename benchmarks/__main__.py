"""Entry point of `make bench`."""

raise SystemExit("benchmarks are not written yet (issue 9)")
