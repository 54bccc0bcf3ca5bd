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
  local dir="$1" port pid
  port="$(free_ports 1)" || { log "could not pick a free port"; return 1; }
  log "starting redis-server on 127.0.0.1:$port in $dir"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" </dev/null >"$dir/redis.log" 2>&1 &
  pid=$!
  echo "$pid" > "$dir/redis.pid"
  local deadline=$((SECONDS + start_timeout))
  while ((SECONDS < deadline)); do
    if ! alive "$pid"; then
      log "redis-server exited during start"
      rm -f "$dir/redis.pid"
      if grep -q 'Address already in use' "$dir/redis.log"; then return 2; fi
      tail_log "$dir/redis.log"
      return 1
    fi
    if answers "$port"; then
      echo "redis://127.0.0.1:$port" > "$dir/url"
      start_watchdog "$pid" "$stop_grace" "$dir/watchdog.pid"
      return 0
    fi
    sleep 0.1
  done
  log "redis-server did not answer within ${start_timeout}s"
  tail_log "$dir/redis.log"
  stop_pid "$pid" 5 || true
  rm -f "$dir/redis.pid"
  return 1
}

cmd_start() {
  local dir="${1:?usage: redis.sh start DIR}"
  command -v redis-server >/dev/null 2>&1 || { log "redis-server is not installed: run 'bash scripts/redis.sh install'"; return 1; }
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  local attempt rc
  for attempt in 1 2 3; do
    rc=0
    start_once "$dir" || rc=$?
    if [ "$rc" = 0 ]; then
      log "redis ready at $(cat "$dir/url")"
      cat "$dir/url"
      return 0
    fi
    [ "$rc" = 2 ] || return 1
    log "the port was taken meanwhile; retrying with another (attempt $attempt)"
  done
  return 1
}

cmd_stop() {
  local dir="${1:?usage: redis.sh stop DIR}" pid
  [ -d "$dir" ] || return 0
  dir="$(cd "$dir" && pwd)"
  stop_watchdog "$dir/watchdog.pid"
  [ -f "$dir/redis.pid" ] || return 0
  pid="$(cat "$dir/redis.pid" 2>/dev/null || true)"
  if alive_with "$pid" redis-server; then
    log "stopping redis-server (pid $pid) in $dir"
    stop_pid "$pid" "$stop_grace"
  fi
  rm -f "$dir/redis.pid"
}

case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) echo "usage: redis.sh install | start DIR | stop DIR" >&2; exit 64 ;;
esac
