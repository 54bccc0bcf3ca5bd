#!/usr/bin/env bash
# A real Apache Kafka broker (3.9.1, single-node KRaft) for the ingestion tests.
#
#   kafka.sh install     fetch the Kafka jars from Maven Central into $AQUIFER_CACHE/kafka/libs
#                        (idempotent: skipped when the stamp matches)
#   kafka.sh start DIR   start a broker whose config, data, log and pid live in DIR, on free
#                        loopback ports; prints its bootstrap address (127.0.0.1:PORT) on stdout
#                        once it answers a metadata request
#   kafka.sh stop DIR    stop that broker (TERM, then KILL after a grace period) and wait for it
#
# When AQUIFER_SERVICE_OWNER holds a pid, start also leaves a watchdog that stops the broker
# once that process is gone. Logs go to stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
source "$here/services-lib.sh"

KAFKA_VERSION=3.9.1
SCALA_VERSION=2.13
SLF4J_VERSION=1.7.36
home="$AQUIFER_CACHE/kafka"
libs="$home/libs"
stamp="$home/.aquifer-kafka"
start_timeout="${AQUIFER_KAFKA_START_TIMEOUT:-120}"
stop_grace="${AQUIFER_KAFKA_STOP_GRACE:-30}"
# A broker that never became ready gets this long to stop before KILL (await_ready).
ready_stop_grace=10

pom() {
  cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.aquifer</groupId>
  <artifactId>kafka-libs</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_${SCALA_VERSION}</artifactId>
      <version>${KAFKA_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>${KAFKA_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>${SLF4J_VERSION}</version>
    </dependency>
  </dependencies>
</project>
EOF
}

installed() {
  [ "$(cat "$stamp" 2>/dev/null || true)" = "$(pom | sha256sum | cut -d' ' -f1)" ] && [ -d "$libs" ]
}

cmd_install() {
  if installed; then
    log "reusing $libs ($(find "$libs" -name '*.jar' | wc -l) jars)"
    return 0
  fi
  mkdir -p "$home"
  # Two test files may install at once: one installs, the other waits and reuses.
  exec 9>"$home/.install.lock"
  flock 9
  if installed; then
    log "reusing $libs (installed meanwhile)"
    return 0
  fi
  command -v java >/dev/null || { log "java is not installed"; return 1; }
  command -v mvn >/dev/null || { log "mvn is not installed"; return 1; }
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $libs"
  local work
  work="$(mktemp -d "$home/.install.XXXXXX")"
  pom > "$work/pom.xml"
  if ! (cd "$work" && mvn -q -B -Dstyle.color=never dependency:copy-dependencies -DoutputDirectory=libs -DincludeScope=runtime >&2); then
    rm -rf "$work"
    log "mvn failed to fetch the Kafka jars"
    return 1
  fi
  local count
  count="$(find "$work/libs" -name '*.jar' | wc -l)"
  if [ ! -f "$work/libs/kafka_${SCALA_VERSION}-${KAFKA_VERSION}.jar" ] || [ ! -f "$work/libs/kafka-tools-${KAFKA_VERSION}.jar" ]; then
    rm -rf "$work"
    log "mvn finished but the Kafka jars are missing"
    return 1
  fi
  rm -rf "$libs"
  mv "$work/libs" "$libs"
  rm -rf "$work"
  pom | sha256sum | cut -d' ' -f1 > "$stamp"
  log "installed $count jars into $libs"
}

# Whether the broker at 127.0.0.1:PORT answers a Metadata (v0) request listing at least one
# live broker. A KRaft broker lists itself only once it is unfenced, i.e. ready for clients.
metadata_ready() {
  node -e '
    const net = require("node:net");
    const port = Number(process.argv[1]);
    const clientId = Buffer.from("aquifer-probe");
    const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4);
    let o = 0;
    o = body.writeInt16BE(3, o);          // api key: Metadata
    o = body.writeInt16BE(0, o);          // api version 0
    o = body.writeInt32BE(4242, o);       // correlation id
    o = body.writeInt16BE(clientId.length, o);
    o += clientId.copy(body, o);
    body.writeInt32BE(0, o);              // no topics (v0: all topics; we only read brokers)
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length);
    let got = Buffer.alloc(0);
    const socket = net.connect(port, "127.0.0.1");
    socket.setTimeout(3000, () => process.exit(1));
    socket.on("error", () => process.exit(1));
    socket.on("connect", () => socket.write(Buffer.concat([size, body])));
    socket.on("data", (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length < 12) return;
      const ok = got.readInt32BE(4) === 4242 && got.readInt32BE(8) >= 1;
      process.exit(ok ? 0 : 1);
    });
    socket.on("end", () => process.exit(1));
  ' "$1" 2>/dev/null
}

# One attempt at starting a broker in DIR. Returns 0 when ready, 2 when a port was taken
# (the caller retries with other ports), 1 on any other failure.
start_once() {
  local dir="$1" ports port ctrl cluster pid
  ports="$(free_ports 2)" || { log "could not pick free ports"; return 1; }
  port="${ports% *}"
  ctrl="${ports#* }"
  rm -rf "$dir/data"
  if [ -f "$dir/kafka.log" ]; then mv "$dir/kafka.log" "$dir/kafka.previous.log"; fi
  cat > "$dir/server.properties" <<EOF
# Written by scripts/kafka.sh: a throwaway single-node KRaft broker.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$ctrl
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$ctrl
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
num.partitions=1
auto.create.topics.enable=false
EOF
  # Without a log4j config the broker logs nothing at all, not even why it stopped.
  cat > "$dir/log4j.properties" <<EOF
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
EOF
  local java=(java "-Dlog4j.configuration=file:$dir/log4j.properties" -cp "$libs/*")
  cluster="$("${java[@]}" kafka.tools.StorageTool random-uuid 2>>"$dir/kafka.log" | tail -n 1)"
  if [ -z "$cluster" ]; then
    log "StorageTool random-uuid printed nothing"
    tail_log "$dir/kafka.log"
    return 1
  fi
  if ! "${java[@]}" kafka.tools.StorageTool format -t "$cluster" -c "$dir/server.properties" >>"$dir/kafka.log" 2>&1; then
    log "StorageTool format failed"
    tail_log "$dir/kafka.log"
    return 1
  fi

  log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$port (controller $ctrl) in $dir"
  "${java[@]}" -Xmx512m kafka.Kafka "$dir/server.properties" </dev/null >>"$dir/kafka.log" 2>&1 &
  pid=$!
  echo "$pid" > "$dir/kafka.pid"

  local rc=0
  await_ready "the broker" "$pid" "$dir/kafka.log" "$start_timeout" 0.5 'Address already in use|BindException' metadata_ready "$port" || rc=$?
  if [ "$rc" != 0 ]; then
    rm -f "$dir/kafka.pid"
    return "$rc"
  fi
  echo "127.0.0.1:$port" > "$dir/bootstrap"
  start_watchdog "$pid" "$stop_grace" "$dir/watchdog.pid"
}

cmd_start() {
  local dir="${1:?usage: kafka.sh start DIR}"
  installed || { log "Kafka is not installed: run 'bash scripts/kafka.sh install'"; return 1; }
  command -v java >/dev/null || { log "java is not installed"; return 1; }
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if [ -f "$dir/kafka.pid" ] && alive_with "$(cat "$dir/kafka.pid")" "$dir/server.properties"; then
    log "a broker is already running for $dir"
    cat "$dir/bootstrap"
    return 0
  fi
  local started=$SECONDS
  start_retrying "$dir" start_once || return 1
  log "Kafka ready at $(cat "$dir/bootstrap") after $((SECONDS - started))s"
  cat "$dir/bootstrap"
}

cmd_stop() {
  local dir="${1:?usage: kafka.sh stop DIR}"
  [ -d "$dir" ] || return 0
  dir="$(cd "$dir" && pwd)"
  stop_service "$dir" kafka.pid "$dir/server.properties" "$stop_grace" "the broker"
}

case "${1:-}" in
  install) cmd_install ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) echo "usage: kafka.sh install | start DIR | stop DIR" >&2; exit 64 ;;
esac
