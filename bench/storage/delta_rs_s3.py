"""delta-rs side of the S3 benchmarks (bench/storage/run.ts), in the venv of scripts/python-env.sh.

Storage options come from the environment (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_REGION), so a table is `s3://bucket/prefix` or a local path alike.

    delta_rs_s3.py scan TABLE [WHERE]               count(*) and sum(id) over the table (with WHERE)
    delta_rs_s3.py append TABLE INTERVAL BATCH...   create TABLE from the first batch (with
                                                    delta.checkpointInterval INTERVAL), then append
                                                    each other batch as one commit through one
                                                    open DeltaTable, as a user would keep it
    delta_rs_s3.py load TABLE                       load the latest snapshot with its file list

Prints one JSON object: the time taken inside Python (imports and start-up not counted) and
what the operation reads, for the agreement checks.
"""

import hashlib
import json
import os
import sys
import time
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import DeltaTable, QueryBuilder, write_deltalake


def storage_options(table: str) -> dict | None:
    if not table.startswith("s3://"):
        return None
    return {
        "AWS_ENDPOINT_URL": os.environ["AWS_ENDPOINT_URL"],
        "AWS_ACCESS_KEY_ID": os.environ["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": os.environ["AWS_SECRET_ACCESS_KEY"],
        "AWS_REGION": os.environ.get("AWS_REGION", "us-east-1"),
        "AWS_ALLOW_HTTP": "true",
        "aws_virtual_hosted_style_request": "false",
    }


def relative_paths(uris: list[str], table: str) -> list[str]:
    root = table.rstrip("/") + "/"
    return sorted(unquote(uri[len(root):] if uri.startswith(root) else uri) for uri in uris)


def main(argv: list[str]) -> None:
    op, table = argv[0], argv[1]
    options = storage_options(table)
    start = time.perf_counter()
    end = None
    extra = {}
    if op == "scan":
        where = f" WHERE {argv[2]}" if len(argv) > 2 and argv[2] else ""
        dt = DeltaTable(table, storage_options=options)
        # QueryBuilder (DataFusion) prunes files by statistics and reads only the columns asked for.
        row = pa.table(QueryBuilder().register("t", dt).execute(f"SELECT count(*) AS n, CAST(coalesce(sum(id), 0) AS VARCHAR) AS s FROM t{where}").read_all()).to_pylist()[0]
        extra = {"rows": row["n"], "sumId": row["s"]}
    elif op == "append":
        interval, first, rest = argv[2], argv[3], argv[4:]
        write_deltalake(table, pq.read_table(first), mode="append", configuration={"delta.checkpointInterval": interval}, storage_options=options)
        dt = DeltaTable(table, storage_options=options)
        for batch in rest:
            write_deltalake(dt, pq.read_table(batch), mode="append")
        extra = {"version": dt.version()}
    elif op == "load":
        dt = DeltaTable(table, storage_options=options)
        uris = dt.file_uris()
        end = time.perf_counter()
        paths = relative_paths(uris, table)
        extra = {"version": dt.version(), "files": len(uris), "pathsDigest": hashlib.sha256("\n".join(paths).encode()).hexdigest()}
    else:
        sys.exit(__doc__)
    ms = ((end or time.perf_counter()) - start) * 1000
    print(json.dumps({"ms": ms, **extra}))


if __name__ == "__main__":
    main(sys.argv[1:])
