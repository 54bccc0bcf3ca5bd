#!/usr/bin/env bash
# A throwaway Redis server (Debian's redis-server) for the online-store tests and benchmarks.
#
#   redis.sh install          install redis-server from Debian's packages when it is missing
#   redis.sh start DIR        start redis-server on a free loopback port (no persistence), with its
#                             pid and log in DIR; prints its URL (redis://127.0.0.1:PORT) once it
#                             answers PING
#   redis.sh stop DIR         stop it (TERM, then KILL after a grace period) and wait for it
#
# When AQUIFER_SERVICE_OWNER holds a pid, start also leaves a watchdog that stops the server
# once that process is gone. Logs go to stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
source "$here/services-lib.sh"

start_timeout="${AQUIFER_REDIS_START_TIMEOUT:-60}"
stop_grace=10

cmd_install() {
  if command -v redis-server >/dev/null 2>&1; then
    log "redis-server is installed ($(redis-server --version | head -1))"
    return 0
  fi
  log "installing redis-server from Debian's packages"
  apt_install redis-server
}

# Whether Redis answers PING at 127.0.0.1:PORT.
answers() {
  node -e '
    const socket = require("node:net").connect({ host: "127.0.0.1", port: Number(process.argv[1]) }, () => socket.write("PING\r\n"));
    socket.setTimeout(2000, () => process.exit(1));
    socket.on("data", (data) => process.exit(String(data).startsWith("+PONG") ? 0 : 1));
    socket.on("error", () => process.exit(1));
  ' "$1" 2>/dev/null
}

start_once() {
  local dir="$1" port pid rc=0
  port="$(free_ports 1)" || { log "could not pick a free port"; return 1; }
  log "starting redis-server on 127.0.0.1:$port in $dir"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" </dev/null >"$dir/redis.log" 2>&1 &
  pid=$!
  echo "$pid" > "$dir/redis.pid"
  await_ready redis-server "$pid" "$dir/redis.log" "$start_timeout" 0.1 'Address already in use' answers "$port" || rc=$?
  if [ "$rc" != 0 ]; then
    rm -f "$dir/redis.pid"
    return "$rc"
  fi
  echo "redis://127.0.0.1:$port" > "$dir/url"
  start_watchdog "$pid" "$stop_grace" "$dir/watchdog.pid"
}

cmd_start() {
  local dir="${1:?usage: redis.sh start DIR}"
  command -v redis-server >/dev/null 2>&1 || { log "redis-server is not installed: run 'bash scripts/redis.sh install'"; return 1; }
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  start_retrying "$dir" start_once || return 1
  log "redis ready at $(cat "$dir/url")"
  cat "$dir/url"
}

cmd_stop() {
  stop_service "${1:?usage: redis.sh stop DIR}" redis.pid redis-server "$stop_grace"
}

case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) echo "usage: redis.sh install | start DIR | stop DIR" >&2; exit 64 ;;
esac
