#!/usr/bin/env bash
# Writes the generated secrets to .env the first time (or where .env leaves one empty, as a copy of .env.example
# does); never replaces one that is set:
#   MILLM_SECRET_KEY   32 random bytes as hex; seals stored hub tokens (keep it)
#   POSTGRES_PASSWORD  16 random bytes as hex (URL-safe: docker-compose.yml puts it into DATABASE_URL)
# `make run` runs it; so can a compose user before the first `docker compose up`.
set -euo pipefail

random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

ensure() {
  local name=$1 bytes=$2 why=$3
  if [ ! -f .env ] || ! grep -qE "^$name=.+" .env; then
    umask 077
    touch .env
    sed -i "/^$name=\$/d" .env
    echo "$name=$(random_hex "$bytes")" >> .env
    echo "env: wrote a new $name to .env ($why)"
  fi
}

ensure MILLM_SECRET_KEY 32 "keep it: it opens the stored hub tokens"
ensure POSTGRES_PASSWORD 16 "for docker compose; Postgres takes it only when it first creates its volume"
