#!/usr/bin/env bash
# A throwaway PostgreSQL server (Debian's package) for the metadata-store tests and benchmarks.
#
#   postgres.sh install       install PostgreSQL from Debian's packages when it is missing
#   postgres.sh start DIR     initdb a cluster in DIR and start it on a free loopback port (fsync off:
#                             it is thrown away); prints its URL (postgres://postgres@127.0.0.1:PORT/postgres)
#                             once it accepts connections
#   postgres.sh stop DIR      stop it (TERM, a fast shutdown, then KILL after a grace period) and wait
#
# initdb refuses to run as root, so as root the cluster belongs to the `postgres` user. When
# AQUIFER_SERVICE_OWNER holds a pid, start also leaves a watchdog that stops the server once
# that process is gone. Logs go to stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
source "$here/services-lib.sh"

start_timeout="${AQUIFER_POSTGRES_START_TIMEOUT:-90}"
stop_grace=20

bin_dir() {
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
  [ -n "$found" ] && [ -x "$found/postgres" ] && echo "$found"
}

cmd_install() {
  if bin_dir >/dev/null; then
    log "PostgreSQL is installed ($("$(bin_dir)/postgres" --version))"
    return 0
  fi
  log "installing PostgreSQL from Debian's packages"
  apt_install postgresql
}

# Run a command as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_once() {
  local dir="$1" bin port rc=0 pid
  bin="$(bin_dir)"
  port="$(free_ports 1)" || { log "could not pick a free port"; return 1; }
  log "starting PostgreSQL on 127.0.0.1:$port in $dir"
  as_owner "$bin/postgres" -D "$dir/data" -p "$port" -k "$dir/socket" -c listen_addresses=127.0.0.1 \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off </dev/null >"$dir/postgres.log" 2>&1 &
  pid=$!
  echo "$pid" > "$dir/launcher.pid"
  await_ready postgres "$pid" "$dir/postgres.log" "$start_timeout" 0.2 'could not bind|Address already in use' \
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" || rc=$?
  if [ "$rc" != 0 ]; then
    rm -f "$dir/launcher.pid"
    return "$rc"
  fi
  # The postmaster's own pid (runuser stays as its parent when we are root).
  head -1 "$dir/data/postmaster.pid" > "$dir/postgres.pid"
  echo "postgres://postgres@127.0.0.1:$port/postgres" > "$dir/url"
  start_watchdog "$(cat "$dir/postgres.pid")" "$stop_grace" "$dir/watchdog.pid"
}

cmd_start() {
  local dir="${1:?usage: postgres.sh start DIR}" bin
  bin="$(bin_dir)" || { log "PostgreSQL is not installed: run 'bash scripts/postgres.sh install'"; return 1; }
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  mkdir -p "$dir/data" "$dir/socket"
  if [ "$(id -u)" = 0 ]; then
    chmod 755 "$dir"
    chown postgres "$dir/data" "$dir/socket"
    touch "$dir/postgres.log" && chown postgres "$dir/postgres.log"
  fi
  as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1 || { tail_log "$dir/initdb.log"; return 1; }
  start_retrying "$dir" start_once || return 1
  log "PostgreSQL ready at $(cat "$dir/url")"
  cat "$dir/url"
}

cmd_stop() {
  local dir="${1:?usage: postgres.sh stop DIR}"
  stop_service "$dir" postgres.pid postgres "$stop_grace" PostgreSQL
  stop_service "$dir" launcher.pid postgres 5 "PostgreSQL's launcher"
}

case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) echo "usage: postgres.sh install | start DIR | stop DIR" >&2; exit 64 ;;
esac
