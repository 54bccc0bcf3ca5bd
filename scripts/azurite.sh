#!/usr/bin/env bash
# A throwaway Azure Blob server (Azurite, an npm devDependency) for the object-store tests.
#
#   azurite.sh start DIR   start azurite-blob on a loopback port with a random account and key,
#                          its data, log and pid in DIR; once it answers, prints one line of JSON:
#                          {"endpoint":"http://127.0.0.1:P/ACCOUNT","accountName":"…","accountKey":"…","connectionString":"…"}
#   azurite.sh stop DIR    stop it (TERM, then KILL after a grace period) and wait for it
#
# When AQUIFER_SERVICE_OWNER holds a pid, start also leaves a watchdog that stops the server
# once that process is gone. Logs go to stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
source "$here/services-lib.sh"

bin="$here/../node_modules/.bin/azurite-blob"
start_timeout="${AQUIFER_AZURITE_START_TIMEOUT:-60}"
stop_grace=10

# The port Azurite says it listens on (it picks its own), once its log says so.
listening_port() { sed -nE 's#.*successfully listens on http://127\.0\.0\.1:([0-9]+).*#\1#p' "$1/azurite.log" | head -1; }

# Whether the blob service in DIR answers (any HTTP status will do).
answers() {
  local port
  port="$(listening_port "$1")"
  [ -n "$port" ] && http_answers "$port" /
}

cmd_start() {
  local dir="${1:?usage: azurite.sh start DIR}" pid port account key
  [ -x "$bin" ] || { log "azurite is not installed: run 'npm install' (it is a devDependency)"; return 1; }
  mkdir -p "$dir/data"
  dir="$(cd "$dir" && pwd)"
  account="aquifer$(random_hex 4)"
  key="$(head -c 32 /dev/urandom | base64 -w0)"
  log "starting azurite-blob in $dir"
  # Port 0: the kernel picks a free port and Azurite prints it, so no other process can take it
  # between choosing and binding. The account goes through the environment, so `ps` does not show
  # the key. --loose and --skipApiVersionCheck accept headers and API versions newer than this
  # Azurite knows (DuckDB's azure extension sends them); telemetry stays off on a test machine.
  AZURITE_ACCOUNTS="$account:$key" "$bin" --blobHost 127.0.0.1 --blobPort 0 --location "$dir/data" \
    --loose --skipApiVersionCheck --disableTelemetry --silent </dev/null >"$dir/azurite.log" 2>&1 &
  pid=$!
  echo "$pid" > "$dir/azurite.pid"
  if ! await_ready azurite "$pid" "$dir/azurite.log" "$start_timeout" 0.2 '' answers "$dir"; then
    rm -f "$dir/azurite.pid"
    return 1
  fi
  port="$(listening_port "$dir")"
  local endpoint="http://127.0.0.1:$port/$account"
  (umask 077 && printf '{"endpoint":"%s","accountName":"%s","accountKey":"%s","connectionString":"DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=%s;"}\n' \
    "$endpoint" "$account" "$key" "$account" "$key" "$endpoint" > "$dir/service.json")
  start_watchdog "$pid" "$stop_grace" "$dir/watchdog.pid"
  log "azurite ready at $endpoint"
  cat "$dir/service.json"
}

cmd_stop() {
  stop_service "${1:?usage: azurite.sh stop DIR}" azurite.pid azurite "$stop_grace"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) echo "usage: azurite.sh start DIR | stop DIR" >&2; exit 64 ;;
esac
