# miLLM — two commands: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-$(shell sha256sum requirements-dev.txt | cut -c1-12)
# tch finds libtorch in the venv's torch wheel; build.rs adds an rpath so binaries start without env.
TORCH_ENV := LIBTORCH_USE_PYTORCH=1 PATH="$(CURDIR)/$(VENV)/bin:$$PATH"
CARGO   := $(TORCH_ENV) cargo

.PHONY: help run test build lint services venv migrate bench bench-download bench-load gpu-smoke clean

help:
	@echo "make run    install what is missing, build, migrate, start every service on http://localhost:8000"
	@echo "make test   run every test (Postgres, Redis and NATS must be installed; they are started if stopped)"
	@echo "make lint   cargo fmt --check and cargo clippy with warnings denied"
	@echo "make bench  every benchmark: ours beside the reference, in the same run (see docs/BENCHMARKS.md)"

$(STAMP): requirements-dev.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

services:
	@scripts/services.sh

build: venv
	$(CARGO) build --release -p millm-gateway -p millm-downloader -p millm-gpu-worker --bins

migrate: build services
	@scripts/env.sh
	set -a; source .env; set +a; target/release/millm-gateway migrate

run: build services
	@scripts/env.sh
	@scripts/run.sh

test: venv services
	$(CARGO) test --workspace --no-fail-fast

lint: venv
	cargo fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

bench: bench-download bench-load

bench-download: venv services
	$(CARGO) build --release -p millm-gateway -p millm-downloader -p millm-bench --bins
	target/release/bench-download

bench-load: venv services
	$(CARGO) build --release -p millm-gateway -p millm-gpu-worker -p millm-bench --bins
	target/release/bench-load

# Needs a CUDA machine: proves the CUDA build (Q4, Q8, FP16 on cuda:0, NVML figures, unload).
gpu-smoke: venv
	$(CARGO) run --release -p millm-gpu-worker --example gpu_smoke

clean:
	cargo clean

include Makefile.deploy
