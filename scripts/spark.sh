#!/usr/bin/env bash
# Spark with Delta for the interop tests, in the cache outside the repo: pyspark and
# delta-spark into the reference venv (scripts/python-env.sh), the Delta jars from Maven
# Central through Maven (Spark's own Ivy resolution goes to the network by itself and
# fails here; see ../shared/STACK.md). Idempotent: reuses what is there.
#   bash scripts/spark.sh install   install (or reuse); prints the jar list for spark.jars
#   bash scripts/spark.sh jars      print the jar list (comma-separated) if installed
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"

PYSPARK_VERSION=4.0.1
DELTA_VERSION=4.0.0
jars_dir="$AQUIFER_CACHE/spark-jars-$DELTA_VERSION"
jar_list() { ls "$jars_dir"/*.jar | paste -sd, -; }

case "${1:-install}" in
  install)
    python="$(bash "$here/python-env.sh")"
    venv="$(dirname "$(dirname "$python")")"
    stamp="$venv/.aquifer-spark"
    want="pyspark==$PYSPARK_VERSION delta-spark==$DELTA_VERSION"
    if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
      log "installing $want into $venv"
      "$python" -m pip install --quiet --disable-pip-version-check "pyspark==$PYSPARK_VERSION" "delta-spark==$DELTA_VERSION" >&2
      echo "$want" > "$stamp"
    else
      log "reusing pyspark in $venv"
    fi
    if [ ! -f "$jars_dir/.complete" ]; then
      log "fetching the Delta jars into $jars_dir"
      mkdir -p "$jars_dir"
      for artifact in "io.delta:delta-spark_2.13:$DELTA_VERSION" "io.delta:delta-storage:$DELTA_VERSION"; do
        mvn -q -B dependency:copy -Dartifact="$artifact" -DoutputDirectory="$jars_dir" -Dmdep.useBaseVersion=true >&2
      done
      touch "$jars_dir/.complete"
    fi
    jar_list
    ;;
  jars)
    [ -f "$jars_dir/.complete" ] || { log "not installed: bash scripts/spark.sh install"; exit 1; }
    jar_list
    ;;
  *)
    echo "usage: spark.sh install|jars" >&2
    exit 2
    ;;
esac
