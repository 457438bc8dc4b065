#!/usr/bin/env bash
# Writes a fresh MILLM_SECRET_KEY to .env the first time (or where .env leaves it empty, as a copy
# of .env.example does); never replaces one that is set.
set -euo pipefail
if [ ! -f .env ] || ! grep -qE '^MILLM_SECRET_KEY=.+' .env; then
  umask 077
  touch .env
  key=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  sed -i '/^MILLM_SECRET_KEY=$/d' .env
  echo "MILLM_SECRET_KEY=$key" >> .env
  echo "env: wrote a new MILLM_SECRET_KEY to .env (keep it: it opens the stored hub tokens)"
fi
