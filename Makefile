# miLLM — two commands: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-$(shell sha256sum requirements-dev.txt | cut -c1-12)
# tch finds libtorch in the venv's torch wheel; build.rs adds an rpath so binaries start without env.
TORCH_ENV := LIBTORCH_USE_PYTORCH=1 PATH="$(CURDIR)/$(VENV)/bin:$$PATH"
CARGO   := $(TORCH_ENV) cargo

# The web UI: npm ci when the lock file changes, a build when any of its sources do.
FRONTEND := frontend
NODE_STAMP := $(FRONTEND)/node_modules/.installed
UI_SOURCES := $(shell find $(FRONTEND)/src $(FRONTEND)/public -type f 2>/dev/null) \
	$(wildcard $(FRONTEND)/index.html $(FRONTEND)/vite.config.ts $(FRONTEND)/tsconfig*.json $(FRONTEND)/openapi.json) \
	$(FRONTEND)/package-lock.json
UI_STAMP := $(FRONTEND)/dist/index.html
CHROMIUM := /usr/bin/chromium

.PHONY: help run test build lint services venv migrate bench bench-download bench-load bench-scale gpu-smoke clean \
	ui openapi chromium aria2 test-rust test-frontend test-e2e

help:
	@echo "make run    install what is missing, build, migrate, start every service on http://localhost:8000"
	@echo "make test   run every test (Postgres, Redis and NATS must be installed; they are started if stopped)"
	@echo "make lint   cargo fmt --check, cargo clippy with warnings denied, eslint and tsc"
	@echo "make openapi  write frontend/openapi.json from the gateway and regenerate the UI's types"
	@echo "make bench  every benchmark: ours beside the reference, in the same run (see docs/BENCHMARKS.md)"

$(STAMP): requirements-dev.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

services:
	@scripts/services.sh

build: venv ui
	$(CARGO) build --release -p millm-gateway -p millm-downloader -p millm-gpu-worker -p millm-cli --bins

$(NODE_STAMP): $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && npm ci --no-audit --no-fund
	@touch $@

$(UI_STAMP): $(NODE_STAMP) $(UI_SOURCES)
	cd $(FRONTEND) && npm run build

ui: $(UI_STAMP)

# The UI's API types come from the gateway's own document: regenerate both after an API change.
openapi: venv $(NODE_STAMP)
	$(CARGO) run --quiet -p millm-gateway -- openapi > $(FRONTEND)/openapi.json
	cd $(FRONTEND) && npm run gen:api

# Debian's Chromium for the browser tests (never a downloaded browser).
chromium:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

# Debian's aria2, a peer in `make bench-download`.
aria2:
	@command -v aria2c >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq aria2; }

migrate: build services
	@scripts/env.sh
	set -a; source .env; set +a; target/release/millm-gateway migrate

run: build services
	@scripts/env.sh
	@scripts/run.sh

# All parts run even when one fails, so one run shows every failure; any failure fails it.
test:
	@status=0; \
	$(MAKE) --no-print-directory test-rust || status=1; \
	$(MAKE) --no-print-directory test-frontend || status=1; \
	$(MAKE) --no-print-directory test-e2e || status=1; \
	$(MAKE) --no-print-directory test-deploy || status=1; \
	exit $$status

test-rust: venv services
	$(CARGO) test --workspace --no-fail-fast

test-frontend: $(NODE_STAMP)
	cd $(FRONTEND) && npm run typecheck && npx tsc -p e2e && npm run lint && npm test

# The browser suite: a fresh UI build and the debug service binaries, run by the launcher.
test-e2e: venv services chromium ui
	$(CARGO) build -p millm-gateway -p millm-downloader -p millm-gpu-worker -p millm-test-support --bins
	cd $(FRONTEND) && npm run check:budget && npm run e2e

lint: venv $(NODE_STAMP)
	cargo fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	cd $(FRONTEND) && npm run lint && npm run typecheck && npx tsc -p e2e

bench: bench-download bench-load bench-scale

bench-download: venv services aria2
	$(CARGO) build --release -p millm-gateway -p millm-downloader -p millm-bench --bins
	target/release/bench-download

bench-load: venv services
	$(CARGO) build --release -p millm-gateway -p millm-gpu-worker -p millm-bench --bins
	target/release/bench-load

# Downloads against downloader processes: 1, 2 and 3 processes, and one with MAX_DOWNLOAD_WORKERS=6.
bench-scale: venv services
	$(CARGO) build --release -p millm-gateway -p millm-downloader -p millm-bench --bins
	target/release/bench-scale

# Needs a CUDA machine: proves the CUDA build (Q4, Q8, FP16 on cuda:0, NVML figures, unload).
gpu-smoke: venv
	$(CARGO) run --release -p millm-gpu-worker --example gpu_smoke

clean:
	cargo clean

include Makefile.deploy
