#!/usr/bin/env bash
# Starts every miLLM service from target/release with .env loaded, and stops them together.
set -euo pipefail
set -a; source .env; set +a
export HOST="${HOST:-127.0.0.1}" PORT="${PORT:-8000}" LOG_FORMAT="${LOG_FORMAT:-console}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/millm}"
export MODEL_CACHE_DIR="${MODEL_CACHE_DIR:-./data/models}"
mkdir -p "$MODEL_CACHE_DIR"

target/release/millm-gateway migrate

pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop EXIT INT TERM

for service in millm-gateway millm-downloader millm-gpu-worker; do
  if [ -x "target/release/$service" ]; then
    "target/release/$service" &
    pids+=($!)
  fi
done

for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  sleep 0.1
done
echo
echo "miLLM is running: http://localhost:$PORT  (API at /api, OpenAPI at /api/openapi.json; Ctrl-C stops it)"
wait -n "${pids[@]}"
