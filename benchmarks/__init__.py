"""Benchmarks for the hot paths: `make bench` (see benchmarks/README.md)."""
