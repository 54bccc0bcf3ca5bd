#!/usr/bin/env bash
# A throwaway Trino 476 server with its Delta Lake connector on S3 (MinIO), for the interop
# tests (test/interop/trino-s3.test.ts) and for trying Trino on the same bucket by hand.
#
#   trino.sh install     fetch the server tarball from Maven Central (821 MB, via Maven's
#                        local repository), untar it once into $AQUIFER_CACHE/trino-server-476
#                        and move every plugin but delta-lake, memory and tpch out of plugin/
#                        (fewer plugins start faster and use less memory)
#   trino.sh start DIR   start a single-node server on a free loopback port, its config, data,
#                        metastore and log in DIR, with one catalog `delta` (Delta Lake, file
#                        metastore, native S3). S3 comes from the environment:
#                          AQUIFER_S3_ENDPOINT, AQUIFER_S3_ACCESS_KEY_ID, AQUIFER_S3_SECRET_ACCESS_KEY
#                        (the keys reach Trino through its environment, never a file). Once
#                        /v1/info says starting:false and a node is active, prints one line of
#                        JSON: {"endpoint":"http://127.0.0.1:P"}
#   trino.sh stop DIR    stop it (TERM, then KILL after a grace period) and wait for it
#
# Java: Trino 476 needs Java 24+; AQUIFER_TRINO_JAVA_HOME, else Temurin 25 where Debian puts it.
# When AQUIFER_SERVICE_OWNER holds a pid, start also leaves a watchdog that stops the server
# once that process is gone. Logs go to stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
source "$here/services-lib.sh"

TRINO_VERSION=476
home="$AQUIFER_CACHE/trino-server-$TRINO_VERSION"
java_home="${AQUIFER_TRINO_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
start_timeout="${AQUIFER_TRINO_START_TIMEOUT:-300}"
stop_grace=20
# What the tests use; everything else is moved aside, not deleted, so it can be put back by hand.
keep_plugins=" delta-lake memory tpch "

cmd_install() {
  if [ -f "$home/.complete" ]; then
    log "reusing $home"
    return 0
  fi
  command -v mvn >/dev/null || { log "mvn is not installed (the server comes from Maven Central)"; return 1; }
  exec 9>"$AQUIFER_CACHE/.trino-install.lock"
  flock 9
  if [ -f "$home/.complete" ]; then
    log "reusing $home (installed meanwhile)"
    return 0
  fi
  local work
  work="$(mktemp -d "$AQUIFER_CACHE/.trino-install.XXXXXX")"
  log "fetching io.trino:trino-server:$TRINO_VERSION:tar.gz (821 MB the first time)"
  if ! mvn -q -B dependency:copy -Dartifact="io.trino:trino-server:$TRINO_VERSION:tar.gz" -DoutputDirectory="$work" >&2; then
    rm -rf "$work"
    log "mvn could not fetch the Trino server"
    return 1
  fi
  log "unpacking into $home"
  tar xzf "$work/trino-server-$TRINO_VERSION.tar.gz" -C "$work"
  rm -f "$work/trino-server-$TRINO_VERSION.tar.gz"
  mkdir -p "$work/trino-server-$TRINO_VERSION/plugin-unused"
  local plugin name
  for plugin in "$work/trino-server-$TRINO_VERSION/plugin"/*; do
    name="$(basename "$plugin")"
    case "$keep_plugins" in *" $name "*) ;; *) mv "$plugin" "$work/trino-server-$TRINO_VERSION/plugin-unused/" ;; esac
  done
  rm -rf "$home"
  mv "$work/trino-server-$TRINO_VERSION" "$home"
  rm -rf "$work"
  touch "$home/.complete"
  log "installed $home"
}

# Whether the server at PORT has finished starting and has an active node.
ready() {
  node -e '
    const port = Number(process.argv[1]);
    const base = `http://127.0.0.1:${port}`;
    const headers = { "X-Trino-User": "aquifer" };
    (async () => {
      const info = await (await fetch(`${base}/v1/info`, { signal: AbortSignal.timeout(5000) })).json();
      if (info.starting !== false) process.exit(1);
      let page = await (await fetch(`${base}/v1/statement`, { method: "POST", headers, body: "SELECT count(*) FROM system.runtime.nodes WHERE state = '"'"'active'"'"'", signal: AbortSignal.timeout(30000) })).json();
      let rows = [];
      for (;;) {
        if (page.error) process.exit(1);
        if (page.data) rows = rows.concat(page.data);
        if (!page.nextUri) break;
        page = await (await fetch(page.nextUri, { headers, signal: AbortSignal.timeout(30000) })).json();
      }
      process.exit(rows.length === 1 && rows[0][0] > 0 ? 0 : 1);
    })().catch(() => process.exit(1));
  ' "$1" 2>/dev/null
}

write_config() {
  local dir="$1" port="$2" endpoint="$3"
  mkdir -p "$dir/etc/catalog" "$dir/data" "$dir/metastore"
  cat >"$dir/etc/node.properties" <<EOF
node.environment=aquifer_test
node.id=$(cat /proc/sys/kernel/random/uuid)
node.data-dir=$dir/data
node.internal-address=127.0.0.1
EOF
  # A small heap: the tests move a few thousand rows, and the machine is shared.
  cat >"$dir/etc/jvm.config" <<EOF
-server
-Xmx1G
-XX:+UseG1GC
-XX:+ExitOnOutOfMemoryError
-XX:+HeapDumpOnOutOfMemoryError
-XX:HeapDumpPath=$dir/data
-Djdk.attach.allowAttachSelf=true
-Dfile.encoding=UTF-8
EOF
  cat >"$dir/etc/config.properties" <<EOF
coordinator=true
node-scheduler.include-coordinator=true
http-server.http.port=$port
discovery.uri=http://127.0.0.1:$port
query.max-memory=512MB
query.max-memory-per-node=512MB
EOF
  # The file metastore lives on the local file system (local:// rooted at DIR/metastore), the
  # tables on S3. The keys are read by Trino from its environment (\${ENV:...}), never a file.
  cat >"$dir/etc/catalog/delta.properties" <<EOF
connector.name=delta_lake
hive.metastore=file
hive.metastore.catalog.dir=local:///
fs.native-local.enabled=true
local.location=$dir/metastore
delta.register-table-procedure.enabled=true
fs.native-s3.enabled=true
s3.endpoint=$endpoint
s3.region=us-east-1
s3.path-style-access=true
s3.aws-access-key=\${ENV:AQUIFER_S3_ACCESS_KEY_ID}
s3.aws-secret-key=\${ENV:AQUIFER_S3_SECRET_ACCESS_KEY}
EOF
}

start_once() {
  local dir="$1" port pid
  port="$(free_ports 1)" || { log "could not pick a free port"; return 1; }
  write_config "$dir" "$port" "$AQUIFER_S3_ENDPOINT"
  log "starting Trino $TRINO_VERSION on 127.0.0.1:$port in $dir"
  # The launcher refuses to run while its pid file names a live pid; a server stopped earlier
  # can linger as an unreaped zombie, which it counts as live.
  rm -f "$dir/data/var/run/launcher.pid"
  JAVA_HOME="$java_home" PATH="$java_home/bin:$PATH" \
    "$home/bin/launcher" run --etc-dir "$dir/etc" --data-dir "$dir/data" -Dnode.bind-ip=127.0.0.1 \
    </dev/null >"$dir/trino.log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/trino.pid"
  local rc=0
  await_ready trino "$pid" "$dir/trino.log" "$start_timeout" 1 'address already in use|BindException' ready "$port" || rc=$?
  if [ "$rc" != 0 ]; then
    rm -f "$dir/trino.pid"
    return "$rc"
  fi
  printf '{"endpoint":"http://127.0.0.1:%s"}\n' "$port" >"$dir/service.json"
  start_watchdog "$pid" "$stop_grace" "$dir/watchdog.pid"
}

cmd_start() {
  local dir="${1:?usage: trino.sh start DIR}"
  [ -f "$home/.complete" ] || { log "Trino is not installed at $home: run 'bash scripts/trino.sh install'"; return 1; }
  [ -x "$java_home/bin/java" ] || { log "no Java 24+ at $java_home (set AQUIFER_TRINO_JAVA_HOME)"; return 1; }
  : "${AQUIFER_S3_ENDPOINT:?set AQUIFER_S3_ENDPOINT (and the keys) to the S3 server Trino should use}"
  : "${AQUIFER_S3_ACCESS_KEY_ID:?set AQUIFER_S3_ACCESS_KEY_ID}"
  : "${AQUIFER_S3_SECRET_ACCESS_KEY:?set AQUIFER_S3_SECRET_ACCESS_KEY}"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  start_retrying "$dir" start_once || return 1
  log "trino ready in $dir"
  cat "$dir/service.json"
}

cmd_stop() {
  stop_service "${1:?usage: trino.sh stop DIR}" trino.pid trino "$stop_grace"
}

case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) echo "usage: trino.sh install | start DIR | stop DIR" >&2; exit 64 ;;
esac
