#!/usr/bin/env bash
# A throwaway Google Cloud Storage emulator (fake-gcs-server) for the GCS object-store tests.
#
#   gcs.sh install     build fake-gcs-server once from the Go module proxy into
#                      $AQUIFER_CACHE/bin/fake-gcs-server (reused when the binary there is the
#                      pinned version)
#   gcs.sh start DIR   start it on a free loopback port over plain HTTP, its data (filesystem
#                      backend), log and pid in DIR; once the JSON API answers, prints one line
#                      of JSON: {"endpoint":"http://127.0.0.1:P"}
#   gcs.sh stop DIR    stop it (TERM, then KILL after a grace period) and wait for it
#
# The emulator takes any request without credentials. When AQUIFER_SERVICE_OWNER holds a pid,
# start also leaves a watchdog that stops the server once that process is gone. Logs go to stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
source "$here/services-lib.sh"

# A tagged release, pinned so every machine tests against the same emulator.
GCS_MODULE=github.com/fsouza/fake-gcs-server
GCS_VERSION=v1.56.1
bin_dir="$AQUIFER_CACHE/bin"
bin="$bin_dir/fake-gcs-server"
start_timeout="${AQUIFER_GCS_START_TIMEOUT:-60}"
stop_grace=10

cmd_install() { go_install_pinned "$bin" "$GCS_MODULE" "$GCS_VERSION"; }

# Whether the emulator's JSON API answers at 127.0.0.1:PORT (listing buckets).
answers() { http_answers "$1" /storage/v1/b 200; }

start_once() {
  local dir="$1" port pid
  port="$(free_ports 1)" || { log "could not pick a free port"; return 1; }
  mkdir -p "$dir/data"
  log "starting fake-gcs-server on 127.0.0.1:$port in $dir"
  # -public-host and -external-url make the resumable-upload URLs it hands out point back here.
  "$bin" -scheme http -host 127.0.0.1 -port "$port" \
    -public-host "127.0.0.1:$port" -external-url "http://127.0.0.1:$port" \
    -backend filesystem -filesystem-root "$dir/data" -log-level warn \
    </dev/null >"$dir/gcs.log" 2>&1 &
  pid=$!
  echo "$pid" > "$dir/gcs.pid"
  local rc=0
  await_ready fake-gcs-server "$pid" "$dir/gcs.log" "$start_timeout" 0.2 'address already in use|bind: ' answers "$port" || rc=$?
  if [ "$rc" != 0 ]; then
    rm -f "$dir/gcs.pid"
    return "$rc"
  fi
  printf '{"endpoint":"http://127.0.0.1:%s"}\n' "$port" > "$dir/service.json"
  start_watchdog "$pid" "$stop_grace" "$dir/watchdog.pid"
}

cmd_start() {
  local dir="${1:?usage: gcs.sh start DIR}"
  [ -x "$bin" ] || { log "fake-gcs-server is not installed at $bin: run 'bash scripts/gcs.sh install'"; return 1; }
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  start_retrying "$dir" start_once || return 1
  log "fake-gcs-server ready in $dir"
  cat "$dir/service.json"
}

cmd_stop() {
  stop_service "${1:?usage: gcs.sh stop DIR}" gcs.pid fake-gcs-server "$stop_grace"
}

case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) echo "usage: gcs.sh install | start DIR | stop DIR" >&2; exit 64 ;;
esac
