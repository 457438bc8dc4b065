#!/usr/bin/env bash
# Writes .env with a fresh MILLM_SECRET_KEY the first time; never overwrites an existing one.
set -euo pipefail
if [ ! -f .env ] || ! grep -q '^MILLM_SECRET_KEY=' .env; then
  umask 077
  echo "MILLM_SECRET_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >> .env
  echo "env: wrote a new MILLM_SECRET_KEY to .env (keep it: it opens the stored hub tokens)"
fi
