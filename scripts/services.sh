#!/usr/bin/env bash
# Makes sure Postgres, Redis and NATS answer on their default ports.
#  - One that is installed but stopped is started (these machines run them without systemd).
#  - On Debian or Ubuntu, one that is not installed is installed first from the distribution's packages
#    (postgresql, redis-server, nats-server), with sudo when not root. When that cannot be done, it prints the one
#    command to run and exits 1.
# tests/deploy/test_services_install.py runs it with fake apt-get, sudo, id and services; the SERVICES_* variables
# exist for that test (other ports, another /etc/postgresql, no system sbin on PATH).
set -euo pipefail

PG_PORT=${SERVICES_PG_PORT:-5432}
REDIS_PORT=${SERVICES_REDIS_PORT:-6379}
NATS_PORT=${SERVICES_NATS_PORT:-4222}
PG_ETC=${SERVICES_PG_ETC:-/etc/postgresql}
export PATH="$PATH:${SERVICES_SBIN-/usr/sbin:/sbin}"

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  local name=$1 port=$2
  for _ in $(seq 1 50); do up "$port" && return 0; sleep 0.2; done
  echo "services: $name is not answering on port $port" >&2
  return 1
}

if [ "$(id -u)" = 0 ]; then SUDO=(); else SUDO=(sudo); fi

postgres_installed() { [ -d "$PG_ETC" ] && [ -n "$(ls "$PG_ETC" 2>/dev/null)" ] && command -v pg_ctlcluster >/dev/null; }

# The Debian packages of whatever is down and not installed.
missing=()
if ! up "$PG_PORT" && ! postgres_installed; then missing+=(postgresql); fi
if ! up "$REDIS_PORT" && ! command -v redis-server >/dev/null; then missing+=(redis-server); fi
if ! up "$NATS_PORT" && ! command -v nats-server >/dev/null; then missing+=(nats-server); fi

installed_postgres=false
if [ ${#missing[@]} -gt 0 ]; then
  install="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}"
  if ! command -v apt-get >/dev/null; then
    echo "services: ${missing[*]} missing, and this is not Debian or Ubuntu: install PostgreSQL, Redis and NATS" \
      "(nats-server, with JetStream) with your package manager, then run make again" >&2
    exit 1
  fi
  if [ ${#SUDO[@]} -gt 0 ] && ! command -v sudo >/dev/null; then
    echo "services: ${missing[*]} missing, and there is no sudo. Run as root, then make again:" >&2
    echo "  $install" >&2
    exit 1
  fi
  echo "services: installing ${missing[*]} from the distribution's packages"
  if ! "${SUDO[@]}" apt-get update -qq || ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq "${missing[@]}"; then
    echo "services: the install failed. Run this as root, then make again:" >&2
    echo "  $install" >&2
    exit 1
  fi
  if [[ " ${missing[*]} " == *" postgresql "* ]]; then installed_postgres=true; fi
fi

pg_version() { ls "$PG_ETC" | sort -V | tail -n1; }

# A fresh cluster asks for a password on 127.0.0.1; the default DATABASE_URL (and the tests) connect as postgres
# without one, as on the development machines. Only a cluster this script installed is changed.
if $installed_postgres; then
  hba="$PG_ETC/$(pg_version)/main/pg_hba.conf"
  echo "services: letting the postgres role connect from loopback without a password ($hba)"
  "${SUDO[@]}" sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
  if up "$PG_PORT"; then "${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$(pg_version)" main reload; fi
fi

if ! up "$PG_PORT"; then
  echo "services: starting PostgreSQL"
  "${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$(pg_version)" main start
  wait_for postgres "$PG_PORT"
fi
if ! up "$REDIS_PORT"; then
  echo "services: starting Redis"
  "${SUDO[@]}" mkdir -p /var/lib/redis /var/log/redis
  "${SUDO[@]}" redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for redis "$REDIS_PORT"
fi
if ! up "$NATS_PORT"; then
  echo "services: starting NATS (JetStream)"
  "${SUDO[@]}" mkdir -p /var/lib/nats-server
  "${SUDO[@]}" start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server)" -- \
    -a 127.0.0.1 -p "$NATS_PORT" -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_for nats "$NATS_PORT"
fi
echo "services: postgres, redis and nats are up"
