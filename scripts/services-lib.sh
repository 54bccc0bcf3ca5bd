# Helpers for scripts that start throwaway services on loopback ports (kafka.sh, kinesalite.sh,
# redis.sh, minio.sh, gcs.sh, azurite.sh, trino.sh), and the pinned `go install` of minio.sh and gcs.sh.
# Sourced after lib.sh. Each service lives in a folder DIR given by the caller, holding its
# pid file, its log and its data; `stop DIR` ends what `start DIR` began.

# Whether BIN is a `go install` build of MODULE at VERSION.
go_built() {
  local bin="$1" module="$2" version="$3"
  [ -x "$bin" ] && go version -m "$bin" 2>/dev/null | grep -qE "^[[:space:]]+mod[[:space:]]+$module[[:space:]]+$version([[:space:]]|$)"
}

# go_install_pinned BIN MODULE VERSION: build MODULE at VERSION with `go install` into BIN
# (named like the module's last path element), unless BIN already is that build. Pinned so
# every machine tests against the same server.
go_install_pinned() {
  local bin="$1" module="$2" version="$3" name dir work
  name="$(basename "$bin")"
  dir="$(dirname "$bin")"
  if go_built "$bin" "$module" "$version"; then
    log "reusing $bin ($version)"
    return 0
  fi
  command -v go >/dev/null || { log "go is not installed ($name is built with 'go install')"; return 1; }
  mkdir -p "$dir"
  # Two test files may install at once: one builds, the other waits and reuses.
  exec 9>"$dir/.$name-install.lock"
  flock 9
  if go_built "$bin" "$module" "$version"; then
    log "reusing $bin (built meanwhile)"
    return 0
  fi
  log "building $name $version into $bin (a few minutes the first time)"
  # Build beside the cache and move into place, so a half-written binary is never reused.
  work="$(mktemp -d "$dir/.$name-build.XXXXXX")"
  if ! GOBIN="$work" go install "$module@$version" >&2; then
    rm -rf "$work"
    log "go install $module@$version failed"
    return 1
  fi
  mv -f "$work/$name" "$bin"
  rm -rf "$work"
  log "built $bin"
}

# Print N distinct free loopback ports, space-separated. The ports are released before the
# service binds them, so a race is possible: callers retry start when the bind fails.
free_ports() {
  node -e '
    const net = require("node:net");
    const n = Number(process.argv[1]);
    const servers = [];
    const ports = [];
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      servers.push(s);
      s.listen(0, "127.0.0.1", () => {
        ports.push(s.address().port);
        if (ports.length === n) {
          console.log(ports.join(" "));
          for (const t of servers) t.close();
        }
      });
    }' "$1"
}

# Whether an HTTP server answers GET PATH at 127.0.0.1:PORT: with STATUS when given, else with
# any status at all.
http_answers() {
  node -e '
    const [port, path, status] = process.argv.slice(1);
    const req = require("node:http").get({ host: "127.0.0.1", port: Number(port), path, timeout: 2000 }, (res) => {
      res.resume();
      process.exit(status === undefined || res.statusCode === Number(status) ? 0 : 1);
    });
    req.on("timeout", () => process.exit(1));
    req.on("error", () => process.exit(1));
  ' "$@" 2>/dev/null
}

# N random bytes as hex, for throwaway account names and keys.
random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# Whether PID is a live process (a zombie nobody reaped counts as dead: PID 1 may not reap).
alive() {
  local pid="$1" state
  [ -n "$pid" ] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/stat" ]; then
    state="$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)"
    [ "$state" != "Z" ] || return 1
  fi
  return 0
}

# Whether PID is alive and its command line mentions MARK (guards against a reused pid).
alive_with() {
  local pid="$1" mark="$2"
  alive "$pid" || return 1
  if [ -r "/proc/$pid/cmdline" ]; then
    tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$mark" || return 1
  fi
  return 0
}

# Stop PID: TERM, then KILL after GRACE seconds; returns once it has exited.
stop_pid() {
  local pid="$1" grace="${2:-30}" i
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  log "pid $pid still running after ${grace}s; sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  log "pid $pid did not exit after KILL"
  return 1
}

# If AQUIFER_SERVICE_OWNER is a pid, start a detached watchdog that stops PID (TERM, then
# KILL after GRACE seconds) once the owner has gone, so a test run killed outright leaves no
# service behind. Its own pid goes to PIDFILE.
start_watchdog() {
  local pid="$1" grace="$2" pidfile="$3" owner="${AQUIFER_SERVICE_OWNER:-}"
  [ -n "$owner" ] || return 0
  (
    trap '' HUP INT
    while alive "$owner" && alive "$pid"; do sleep 2; done
    stop_pid "$pid" "$grace"
  ) </dev/null >/dev/null 2>&1 &
  echo "$!" > "$pidfile"
}

# Stop the watchdog whose pid is in PIDFILE, if any.
stop_watchdog() {
  local pidfile="$1" pid
  [ -f "$pidfile" ] || return 0
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  if alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
  rm -f "$pidfile"
}

# Print the last lines of a log file on stderr.
tail_log() {
  local file="$1"
  [ -f "$file" ] || return 0
  log "last lines of $file:"
  tail -n "${2:-40}" "$file" >&2 || true
}

# await_ready NAME PID LOGFILE TIMEOUT INTERVAL BIND_PATTERN READY_COMMAND...
# Wait until READY_COMMAND succeeds (0). If PID exits first: 2 when LOGFILE matches BIND_PATTERN
# (the free port was taken meanwhile: the caller retries with another; '' for a service that
# binds a port of its own choosing), else 1 with the log's tail. After TIMEOUT seconds: 1, with
# the log's tail, once PID is stopped (TERM, then KILL after $ready_stop_grace seconds, 5 unless
# the caller sets it).
await_ready() {
  local name="$1" pid="$2" logfile="$3" timeout="$4" interval="$5" bind_pattern="$6"
  shift 6
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if ! alive "$pid"; then
      log "$name exited during start"
      if [ -n "$bind_pattern" ] && grep -qiE -- "$bind_pattern" "$logfile"; then return 2; fi
      tail_log "$logfile"
      return 1
    fi
    if "$@"; then return 0; fi
    sleep "$interval"
  done
  log "$name was not ready within ${timeout}s"
  tail_log "$logfile"
  stop_pid "$pid" "${ready_stop_grace:-5}" || true
  return 1
}

# start_retrying DIR START_ONCE: run `START_ONCE DIR` up to 3 times while it returns 2 (a port
# it picked was taken before the service bound it); 0 once it starts, 1 on any other failure.
start_retrying() {
  local dir="$1" start_once="$2" attempt rc
  for attempt in 1 2 3; do
    rc=0
    "$start_once" "$dir" || rc=$?
    [ "$rc" != 0 ] || return 0
    [ "$rc" = 2 ] || return 1
    log "a port was taken meanwhile; retrying with another (attempt $attempt)"
  done
  log "could not bind free ports after 3 attempts"
  return 1
}

# stop_service DIR PIDFILE MARK GRACE [NAME]: stop the watchdog of DIR, then the process named
# in DIR/PIDFILE if it is alive and its command line mentions MARK (TERM, KILL after GRACE
# seconds). NAME (default MARK) is what the log calls it.
stop_service() {
  local dir="$1" pidfile="$2" mark="$3" grace="$4" name="${5:-$3}" pid
  [ -d "$dir" ] || return 0
  dir="$(cd "$dir" && pwd)"
  stop_watchdog "$dir/watchdog.pid"
  [ -f "$dir/$pidfile" ] || return 0
  pid="$(cat "$dir/$pidfile" 2>/dev/null || true)"
  if alive_with "$pid" "$mark"; then
    log "stopping $name (pid $pid) in $dir"
    stop_pid "$pid" "$grace"
  fi
  rm -f "$dir/$pidfile"
}
