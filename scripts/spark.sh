#!/usr/bin/env bash
# Spark with Delta for the interop tests, in the cache outside the repo: pyspark and
# delta-spark into the reference venv (scripts/python-env.sh), the Delta jars from Maven
# Central through Maven (Spark's own Ivy resolution goes to the network by itself and
# fails here; see ../shared/STACK.md). Idempotent: reuses what is there.
#   bash scripts/spark.sh install   install (or reuse); prints the jar list for spark.jars
#   bash scripts/spark.sh jars      print the jar list (comma-separated) if installed
#   bash scripts/spark.sh s3a-jars  print the s3a jars (hadoop-aws and its AWS SDK bundle,
#                                   colon-separated, for spark.driver.extraClassPath) if installed
# hadoop-aws must be the Hadoop version pyspark bundles (hadoop-client-api-3.4.1.jar in
# pyspark/jars), and the AWS SDK bundle the version that hadoop-aws's pom names.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"

PYSPARK_VERSION=4.0.1
DELTA_VERSION=4.0.0
jars_dir="$AQUIFER_CACHE/spark-jars-$DELTA_VERSION"
HADOOP_VERSION=3.4.1
AWS_SDK_BUNDLE_VERSION=2.24.6
s3a_dir="$AQUIFER_CACHE/spark-s3a-jars-$HADOOP_VERSION"
jar_list() { ls "$jars_dir"/*.jar | paste -sd, -; }
# On the driver's class path rather than in spark.jars: Spark would otherwise serve the
# 558 MB SDK bundle to its executor through its file server on every session start.
s3a_jar_list() { ls "$s3a_dir"/*.jar | paste -sd: -; }

# Each artifact alone (no transitive resolution: hadoop-aws's pom drags in Hadoop test
# artifacts that are not on Maven Central; pyspark already carries the rest of Hadoop).
fetch_jars() {
  local dir="$1"
  shift
  mkdir -p "$dir"
  for artifact in "$@"; do
    mvn -q -B dependency:copy -Dartifact="$artifact" -DoutputDirectory="$dir" -Dmdep.useBaseVersion=true >&2
  done
  touch "$dir/.complete"
}

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
      fetch_jars "$jars_dir" "io.delta:delta-spark_2.13:$DELTA_VERSION" "io.delta:delta-storage:$DELTA_VERSION"
    fi
    hadoop="$(ls "$(dirname "$python")"/../lib/python3*/site-packages/pyspark/jars/hadoop-client-api-*.jar 2>/dev/null | head -1)"
    case "$hadoop" in
      *"hadoop-client-api-$HADOOP_VERSION.jar") ;;
      *) log "pyspark bundles ${hadoop:-no hadoop-client-api jar}, not Hadoop $HADOOP_VERSION: update HADOOP_VERSION and AWS_SDK_BUNDLE_VERSION"; exit 1 ;;
    esac
    if [ ! -f "$s3a_dir/.complete" ]; then
      log "fetching hadoop-aws $HADOOP_VERSION and the AWS SDK bundle $AWS_SDK_BUNDLE_VERSION (560 MB) into $s3a_dir"
      fetch_jars "$s3a_dir" "org.apache.hadoop:hadoop-aws:$HADOOP_VERSION" "software.amazon.awssdk:bundle:$AWS_SDK_BUNDLE_VERSION"
    fi
    jar_list
    ;;
  s3a-jars)
    [ -f "$s3a_dir/.complete" ] || { log "not installed: bash scripts/spark.sh install"; exit 1; }
    s3a_jar_list
    ;;
  jars)
    [ -f "$jars_dir/.complete" ] || { log "not installed: bash scripts/spark.sh install"; exit 1; }
    jar_list
    ;;
  *)
    echo "usage: spark.sh install|jars|s3a-jars" >&2
    exit 2
    ;;
esac
