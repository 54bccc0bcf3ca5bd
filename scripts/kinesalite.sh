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

# Whether an HTTP server answers at 127.0.0.1:PORT (any status will do).
answers() {
  node -e '
    const req = require("node:http").get({ host: "127.0.0.1", port: Number(process.argv[1]), path: "/", timeout: 2000 }, (res) => {
      res.resume();
      process.exit(0);
    });
    req.on("timeout", () => process.exit(1));
    req.on("error", () => process.exit(1));
  ' "$1" 2>/dev/null
}

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
  local deadline=$((SECONDS + start_timeout))
  while ((SECONDS < deadline)); do
    if ! alive "$pid"; then
      log "kinesalite exited during start"
      rm -f "$dir/kinesalite.pid"
      if grep -q 'EADDRINUSE' "$dir/kinesalite.log"; then return 2; fi
      tail_log "$dir/kinesalite.log"
      return 1
    fi
    if answers "$port"; then
      echo "http://127.0.0.1:$port" > "$dir/endpoint"
      start_watchdog "$pid" "$stop_grace" "$dir/watchdog.pid"
      return 0
    fi
    sleep 0.2
  done
  log "kinesalite did not answer within ${start_timeout}s"
  tail_log "$dir/kinesalite.log"
  stop_pid "$pid" 5 || true
  rm -f "$dir/kinesalite.pid"
  return 1
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
  local attempt rc
  for attempt in 1 2 3; do
    rc=0
    start_once "$dir" || rc=$?
    if [ "$rc" = 0 ]; then
      log "kinesalite ready at $(cat "$dir/endpoint")"
      cat "$dir/endpoint"
      return 0
    fi
    [ "$rc" = 2 ] || return 1
    log "the port was taken meanwhile; retrying with another (attempt $attempt)"
  done
  log "could not bind a free port after 3 attempts"
  return 1
}

cmd_stop() {
  local dir="${1:?usage: kinesalite.sh stop DIR}" pid
  [ -d "$dir" ] || return 0
  dir="$(cd "$dir" && pwd)"
  stop_watchdog "$dir/watchdog.pid"
  [ -f "$dir/kinesalite.pid" ] || return 0
  pid="$(cat "$dir/kinesalite.pid" 2>/dev/null || true)"
  if alive_with "$pid" kinesalite; then
    log "stopping kinesalite (pid $pid) in $dir"
    stop_pid "$pid" "$stop_grace"
  fi
  rm -f "$dir/kinesalite.pid"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) echo "usage: kinesalite.sh start DIR | stop DIR" >&2; exit 64 ;;
esac
