# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
CONFIG ?=
PYTEST_ARGS ?=

.PHONY: install run test lint typecheck pytest bench fuzz soak clean browser-deps nginx-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## install: create .venv in the checkout and install the package with its test extras
install: $(STAMP)

## run: serve the embedded demo (synthetic camera, SQLite and media under ./data), or CONFIG=path
run: install
	$(BIN)/frigate-media serve $(if $(CONFIG),--config $(CONFIG),)

## test: lint, types and the whole test suite (what CI runs)
test: lint typecheck pytest

lint: install
	$(BIN)/ruff check frigate_media tests benchmarks
	$(BIN)/ruff format --check frigate_media tests benchmarks

typecheck: install
	$(BIN)/mypy frigate_media benchmarks

pytest: install browser-deps nginx-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## browser-deps: Debian's chromium (apt) and playwright-core + hls.js (npm) for the browser test
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser-deps:
	test -x /usr/bin/chromium || { $(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium; }
	test -x /usr/bin/chromium
	test -d tests/browser/node_modules/hls.js || { cd tests/browser && npm ci --no-audit --no-fund; }

## nginx-deps: Debian's nginx (apt) for the routing test of docker/frigate-media-nginx/
nginx-deps:
	test -x /usr/sbin/nginx || { $(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends nginx; }
	test -x /usr/sbin/nginx

## bench: start the server on a generated dataset, run every scenario, write benchmarks/results/
bench: install
	$(BIN)/python -m benchmarks

## fuzz: a long schemathesis run over every operation (FUZZ_EXAMPLES, default 500 per operation)
fuzz: install
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-500} $(BIN)/python -m pytest -q -p no:cacheprovider tests/hardening/test_fuzz.py

## soak: mixed load on the demo for SOAK_SECONDS (default 600); fails on >10 % resource growth
soak: install
	$(BIN)/python -m tests.hardening.soak

clean:
	rm -rf $(VENV) data .mypy_cache .pytest_cache .ruff_cache
