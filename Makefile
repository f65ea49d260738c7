# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
CONFIG ?=
PYTEST_ARGS ?=

.PHONY: install run test lint typecheck pytest bench fuzz soak soak-attacks clean system-deps browser-deps

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

pytest: install system-deps browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
## system-deps: Debian packages the tests start for real, installed with apt-get when missing:
## chromium (HLS playback), mosquitto (MQTT broker), nginx (Frigate's routing include)
SYSTEM_PACKAGES := /usr/bin/chromium:chromium /usr/sbin/mosquitto:mosquitto /usr/sbin/nginx:nginx
system-deps:
	@missing=""; for entry in $(SYSTEM_PACKAGES); do \
		test -x "$${entry%%:*}" || missing="$$missing $${entry##*:}"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing with apt-get:$$missing"; \
		$(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive \
			$(SUDO) apt-get install -y -q $$missing; fi
	@for entry in $(SYSTEM_PACKAGES); do test -x "$${entry%%:*}" || \
		{ echo "missing $${entry%%:*}"; exit 1; }; done

## browser-deps: playwright-core + hls.js (npm) for the browser test (Debian's chromium: system-deps)
browser-deps: system-deps
	test -d tests/browser/node_modules/hls.js || { cd tests/browser && npm ci --no-audit --no-fund; }

## bench: start the server on a generated dataset, run every scenario, write benchmarks/results/
bench: install
	$(BIN)/python -m benchmarks

## fuzz: a long schemathesis run over every operation (FUZZ_EXAMPLES, default 500 per operation)
fuzz: install
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-500} $(BIN)/python -m pytest -q -p no:cacheprovider tests/hardening/test_fuzz.py

## soak: mixed load on the demo for SOAK_SECONDS (default 600); fails on >10 % resource growth
soak: install
	$(BIN)/python -m tests.hardening.soak

## soak-attacks: the soak with issue 15's attacks beside the load (auth on, tight cache caps)
soak-attacks: install
	SOAK_ATTACKS=1 $(BIN)/python -m tests.hardening.soak

clean:
	rm -rf $(VENV) data .mypy_cache .pytest_cache .ruff_cache
