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

# Whether the blob service answers at 127.0.0.1:PORT (any HTTP status will do).
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

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

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
  local deadline=$((SECONDS + start_timeout))
  port=""
  while ((SECONDS < deadline)); do
    if ! alive "$pid"; then
      log "azurite exited during start"
      rm -f "$dir/azurite.pid"
      tail_log "$dir/azurite.log"
      return 1
    fi
    if [ -z "$port" ]; then
      port="$(sed -nE 's#.*successfully listens on http://127\.0\.0\.1:([0-9]+).*#\1#p' "$dir/azurite.log" | head -1)"
    fi
    if [ -n "$port" ] && answers "$port"; then
      local endpoint="http://127.0.0.1:$port/$account"
      (umask 077 && printf '{"endpoint":"%s","accountName":"%s","accountKey":"%s","connectionString":"DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=%s;"}\n' \
        "$endpoint" "$account" "$key" "$account" "$key" "$endpoint" > "$dir/service.json")
      start_watchdog "$pid" "$stop_grace" "$dir/watchdog.pid"
      log "azurite ready at $endpoint"
      cat "$dir/service.json"
      return 0
    fi
    sleep 0.2
  done
  log "azurite did not answer within ${start_timeout}s"
  tail_log "$dir/azurite.log"
  stop_pid "$pid" 5 || true
  rm -f "$dir/azurite.pid"
  return 1
}

cmd_stop() {
  local dir="${1:?usage: azurite.sh stop DIR}" pid
  [ -d "$dir" ] || return 0
  dir="$(cd "$dir" && pwd)"
  stop_watchdog "$dir/watchdog.pid"
  [ -f "$dir/azurite.pid" ] || return 0
  pid="$(cat "$dir/azurite.pid" 2>/dev/null || true)"
  if alive_with "$pid" azurite; then
    log "stopping azurite (pid $pid) in $dir"
    stop_pid "$pid" "$stop_grace"
  fi
  rm -f "$dir/azurite.pid"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) echo "usage: azurite.sh start DIR | stop DIR" >&2; exit 64 ;;
esac
