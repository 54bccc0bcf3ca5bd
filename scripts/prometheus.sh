#!/usr/bin/env bash
# A throwaway Prometheus server (Debian's prometheus package) for the /metrics scrape test.
#
#   prometheus.sh install            install prometheus from Debian's packages when it is missing
#   prometheus.sh start DIR CONFIG   start prometheus with CONFIG on a free loopback port, its data,
#                                    pid and log in DIR; prints its URL (http://127.0.0.1:PORT) once
#                                    /-/ready answers 200
#   prometheus.sh stop DIR           stop it (TERM, then KILL after a grace period) and wait for it
#
# The package's own service (port 9090, /var/lib/prometheus) is not used: each start is a fresh
# server with its own storage under DIR. When AQUIFER_SERVICE_OWNER holds a pid, start also leaves
# a watchdog that stops the server once that process is gone. Logs go to stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
source "$here/services-lib.sh"

start_timeout="${AQUIFER_PROMETHEUS_START_TIMEOUT:-60}"
stop_grace=10

cmd_install() {
  if command -v prometheus >/dev/null 2>&1; then
    log "prometheus is installed ($(prometheus --version 2>&1 | head -1))"
    return 0
  fi
  log "installing prometheus from Debian's packages"
  apt_install --no-install-recommends prometheus
}

start_once() {
  local dir="$1" config="$2" port pid rc=0
  port="$(free_ports 1)" || { log "could not pick a free port"; return 1; }
  log "starting prometheus on 127.0.0.1:$port in $dir"
  prometheus --config.file="$config" --web.listen-address="127.0.0.1:$port" --storage.tsdb.path="$dir/data" \
    </dev/null >"$dir/prometheus.log" 2>&1 &
  pid=$!
  echo "$pid" > "$dir/prometheus.pid"
  await_ready prometheus "$pid" "$dir/prometheus.log" "$start_timeout" 0.2 'address already in use' http_answers "$port" /-/ready 200 || rc=$?
  if [ "$rc" != 0 ]; then
    rm -f "$dir/prometheus.pid"
    return "$rc"
  fi
  echo "http://127.0.0.1:$port" > "$dir/url"
  start_watchdog "$pid" "$stop_grace" "$dir/watchdog.pid"
}

cmd_start() {
  local dir="${1:?usage: prometheus.sh start DIR CONFIG}" config="${2:?usage: prometheus.sh start DIR CONFIG}"
  command -v prometheus >/dev/null 2>&1 || { log "prometheus is not installed: run 'bash scripts/prometheus.sh install'"; return 1; }
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  config="$(cd "$(dirname "$config")" && pwd)/$(basename "$config")"
  start_retrying_with() { start_once "$1" "$config"; }
  start_retrying "$dir" start_retrying_with || return 1
  log "prometheus ready at $(cat "$dir/url")"
  cat "$dir/url"
}

cmd_stop() {
  stop_service "${1:?usage: prometheus.sh stop DIR}" prometheus.pid prometheus "$stop_grace"
}

case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) echo "usage: prometheus.sh install | start DIR CONFIG | stop DIR" >&2; exit 64 ;;
esac
