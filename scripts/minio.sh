#!/usr/bin/env bash
# A throwaway MinIO server (S3-compatible storage) for the object-store tests and benchmarks.
#
#   minio.sh install     build MinIO once from the Go module proxy into $AQUIFER_CACHE/bin/minio
#                        (reused when the binary there is the pinned version)
#   minio.sh start DIR   start a server on free loopback ports with random root credentials,
#                        its data, log and pid in DIR; once /minio/health/live answers, prints
#                        one line of JSON: {"endpoint":"http://127.0.0.1:P","accessKeyId":"…","secretAccessKey":"…"}
#   minio.sh stop DIR    stop it (TERM, then KILL after a grace period) and wait for it
#   minio.sh restart DIR stop it and start it again on the same port, credentials and data
#                        (for tests of a server that goes away mid-write); prints the same JSON
#
# When AQUIFER_SERVICE_OWNER holds a pid, start also leaves a watchdog that stops the server
# once that process is gone. Logs go to stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
source "$here/services-lib.sh"

# The version `go install github.com/minio/minio@latest` resolved to on 2026-12-06 (MinIO
# publishes no tagged Go module versions, only pseudo-versions): pinned so every machine
# tests against the same server.
MINIO_MODULE=github.com/minio/minio
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
bin_dir="$AQUIFER_CACHE/bin"
bin="$bin_dir/minio"
start_timeout="${AQUIFER_MINIO_START_TIMEOUT:-120}"
stop_grace=10

cmd_install() { go_install_pinned "$bin" "$MINIO_MODULE" "$MINIO_VERSION"; }

# Whether MinIO answers its liveness probe at 127.0.0.1:PORT.
answers() { http_answers "$1" /minio/health/live 200; }

# start_once DIR [PORT USER PASSWORD]: a fresh server, or (restart) the given port and credentials.
start_once() {
  local dir="$1" ports port console pid user password
  if [ -n "${2:-}" ]; then
    port="$2" user="$3" password="$4"
    console="$(free_ports 1)" || { log "could not pick a free port"; return 1; }
  else
    ports="$(free_ports 2)" || { log "could not pick free ports"; return 1; }
    read -r port console <<<"$ports"
    user="aquifer$(random_hex 6)"
    password="$(random_hex 20)"
  fi
  mkdir -p "$dir/data"
  log "starting MinIO on 127.0.0.1:$port in $dir"
  # Credentials go through the environment, not the command line, so `ps` does not show them.
  MINIO_ROOT_USER="$user" MINIO_ROOT_PASSWORD="$password" MINIO_BROWSER=off MINIO_UPDATE=off \
    "$bin" server --quiet --address "127.0.0.1:$port" --console-address "127.0.0.1:$console" "$dir/data" \
    </dev/null >"$dir/minio.log" 2>&1 &
  pid=$!
  echo "$pid" > "$dir/minio.pid"
  local rc=0
  await_ready minio "$pid" "$dir/minio.log" "$start_timeout" 0.2 'address already in use|bind: ' answers "$port" || rc=$?
  if [ "$rc" != 0 ]; then
    rm -f "$dir/minio.pid"
    return "$rc"
  fi
  (umask 077 && printf '{"endpoint":"http://127.0.0.1:%s","accessKeyId":"%s","secretAccessKey":"%s"}\n' "$port" "$user" "$password" > "$dir/service.json")
  start_watchdog "$pid" "$stop_grace" "$dir/watchdog.pid"
}

cmd_start() {
  local dir="${1:?usage: minio.sh start DIR}"
  [ -x "$bin" ] || { log "MinIO is not installed at $bin: run 'bash scripts/minio.sh install'"; return 1; }
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  start_retrying "$dir" start_once || return 1
  log "minio ready in $dir"
  cat "$dir/service.json"
}

cmd_stop() {
  stop_service "${1:?usage: minio.sh stop DIR}" minio.pid minio "$stop_grace"
}

cmd_restart() {
  local dir="${1:?usage: minio.sh restart DIR}" port user password
  [ -f "$dir/service.json" ] || { log "no server was started in $dir"; return 1; }
  dir="$(cd "$dir" && pwd)"
  read -r port user password < <(node -e '
    const s = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    console.log(new URL(s.endpoint).port, s.accessKeyId, s.secretAccessKey);
  ' "$dir/service.json")
  cmd_stop "$dir"
  # The port was just released; a few tries cover a socket still closing.
  local attempt rc
  for attempt in 1 2 3 4 5; do
    rc=0
    start_once "$dir" "$port" "$user" "$password" || rc=$?
    if [ "$rc" = 0 ]; then
      log "minio restarted in $dir"
      cat "$dir/service.json"
      return 0
    fi
    [ "$rc" = 2 ] || return 1
    log "port $port still busy (attempt $attempt)"
    sleep 1
  done
  return 1
}

case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  restart) shift; cmd_restart "$@" ;;
  *) echo "usage: minio.sh install | start DIR | stop DIR | restart DIR" >&2; exit 64 ;;
esac
