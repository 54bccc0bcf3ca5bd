#!/usr/bin/env bash
# A Kinesis test server (kinesalite, an npm devDependency) for the ingestion tests.
#
#   kinesalite.sh start DIR   start kinesalite (in-memory) on a free loopback port, with its pid
#                             and log in DIR; prints its endpoint (http://127.0.0.1:PORT) on stdout
#                             once it answers HTTP
#   kinesalite.sh stop DIR    stop it (TERM, then KILL after a grace period) and wait for it
#
# When AQUIFER_SERVICE_OWNER holds a pid, start also leaves a watchdog that stops the server
# once that process is gone. Logs go to stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
source "$here/services-lib.sh"

bin="$here/../node_modules/.bin/kinesalite"
start_timeout="${AQUIFER_KINESALITE_START_TIMEOUT:-60}"
stop_grace=10

# One attempt; returns 0 when ready, 2 when the port was taken meanwhile, 1 otherwise.
start_once() {
  local dir="$1" port pid
  port="$(free_ports 1)" || { log "could not pick a free port"; return 1; }
  if [ -f "$dir/kinesalite.log" ]; then mv "$dir/kinesalite.log" "$dir/kinesalite.previous.log"; fi
  log "starting kinesalite on 127.0.0.1:$port in $dir"
  # --createStreamMs etc. keep kinesalite's defaults (500 ms): tests wait for ACTIVE anyway.
  "$bin" --port "$port" </dev/null >"$dir/kinesalite.log" 2>&1 &
  pid=$!
  echo "$pid" > "$dir/kinesalite.pid"
  local rc=0
  await_ready kinesalite "$pid" "$dir/kinesalite.log" "$start_timeout" 0.2 'EADDRINUSE' http_answers "$port" / || rc=$?
  if [ "$rc" != 0 ]; then
    rm -f "$dir/kinesalite.pid"
    return "$rc"
  fi
  echo "http://127.0.0.1:$port" > "$dir/endpoint"
  start_watchdog "$pid" "$stop_grace" "$dir/watchdog.pid"
}

cmd_start() {
  local dir="${1:?usage: kinesalite.sh start DIR}"
  [ -x "$bin" ] || { log "kinesalite is not installed: run 'npm install' (it is a devDependency)"; return 1; }
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if [ -f "$dir/kinesalite.pid" ] && alive_with "$(cat "$dir/kinesalite.pid")" kinesalite; then
    log "kinesalite is already running for $dir"
    cat "$dir/endpoint"
    return 0
  fi
  start_retrying "$dir" start_once || return 1
  log "kinesalite ready at $(cat "$dir/endpoint")"
  cat "$dir/endpoint"
}

cmd_stop() {
  stop_service "${1:?usage: kinesalite.sh stop DIR}" kinesalite.pid kinesalite "$stop_grace"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) echo "usage: kinesalite.sh start DIR | stop DIR" >&2; exit 64 ;;
esac
