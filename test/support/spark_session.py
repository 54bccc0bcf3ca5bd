#!/usr/bin/env python3
"""One Spark session with Delta for the interop tests, driven over stdin/stdout.

Usage: spark_session.py JARS   (JARS: comma-separated Delta jars, from scripts/spark.sh)

With AQUIFER_S3_ENDPOINT, AQUIFER_S3_ACCESS_KEY_ID and AQUIFER_S3_SECRET_ACCESS_KEY set (an
S3-compatible server such as MinIO) and AQUIFER_SPARK_S3A_JARS (hadoop-aws and its AWS SDK
bundle, colon-separated: `bash scripts/spark.sh s3a-jars`), s3a:// paths go to that server
with path-style addressing.

Reads one JSON command per line and answers one JSON line each:
  {"op": "sql", "statements": ["..."], "limit": N?}          run Spark SQL statements (first N rows of each, 20 by default)
  {"op": "read", "path": P, "output": DIR, "version": V?}   read a Delta table (at a version)
                                                             and write its rows to DIR as Parquet
  {"op": "changes", "path": P, "output": DIR, "from": V, "to": V?}
                                                             read its change data feed to DIR
Answers {"ok": true, ...} or {"ok": false, "error": "..."}; "rows" and "columns" with reads.
"""
import json
import os
import sys
import traceback

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
from pyspark.sql import SparkSession  # noqa: E402

builder = SparkSession.builder
if os.environ.get("AQUIFER_S3_ENDPOINT"):
    endpoint = os.environ["AQUIFER_S3_ENDPOINT"]
    builder = builder.config("spark.driver.extraClassPath", os.environ["AQUIFER_SPARK_S3A_JARS"])
    for key, value in {
        "fs.s3a.endpoint": endpoint,
        "fs.s3a.endpoint.region": "us-east-1",
        "fs.s3a.path.style.access": "true",
        "fs.s3a.connection.ssl.enabled": str(endpoint.startswith("https:")).lower(),
        "fs.s3a.access.key": os.environ["AQUIFER_S3_ACCESS_KEY_ID"],
        "fs.s3a.secret.key": os.environ["AQUIFER_S3_SECRET_ACCESS_KEY"],
        "fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
        # Few retries: a failure in a test should surface, not stall for minutes.
        "fs.s3a.attempts.maximum": "3",
        "fs.s3a.retry.limit": "3",
    }.items():
        builder = builder.config(f"spark.hadoop.{key}", value)
    # Delta's default log store for s3a (S3SingleDriverLogStore) makes commits atomic only within
    # this one Spark driver: fine here, where one engine writes a table at a time.

spark = (
    builder.master("local[2]")
    .appName("aquifer-interop")
    .config("spark.jars", sys.argv[1])
    .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
    .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
    .config("spark.ui.enabled", "false")
    .config("spark.ui.showConsoleProgress", "false")
    .config("spark.sql.shuffle.partitions", "2")
    .config("spark.sql.session.timeZone", "UTC")
    .config("spark.databricks.delta.retentionDurationCheck.enabled", "false")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")


def write(df, output):
    df.write.mode("overwrite").parquet(output)
    return {"rows": df.count(), "columns": [[f.name, f.dataType.simpleString()] for f in df.schema.fields]}


def handle(command):
    op = command["op"]
    if op == "sql":
        results = []
        for statement in command["statements"]:
            rows = spark.sql(statement).collect()
            results.append([r.asDict() for r in rows[: command.get("limit", 20)]])
        return {"results": json.loads(json.dumps(results, default=str))}
    if op == "read":
        reader = spark.read.format("delta")
        if command.get("version") is not None:
            reader = reader.option("versionAsOf", command["version"])
        return write(reader.load(command["path"]), command["output"])
    if op == "changes":
        reader = spark.read.format("delta").option("readChangeFeed", "true").option("startingVersion", command["from"])
        if command.get("to") is not None:
            reader = reader.option("endingVersion", command["to"])
        return write(reader.load(command["path"]), command["output"])
    raise ValueError(f"unknown op {op}")


print(json.dumps({"ok": True, "ready": True, "spark": spark.version}), flush=True)
for line in sys.stdin:
    if not line.strip():
        continue
    try:
        answer = {"ok": True, **handle(json.loads(line))}
    except Exception as error:  # noqa: BLE001 - every failure goes back to the test as data
        answer = {"ok": False, "error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc()[-2000:]}
    print(json.dumps(answer), flush=True)
