"""delta-rs side of the write benchmarks (bench/table/writes-run.ts), in the venv of scripts/python-env.sh.

    delta_rs_writes.py append TABLE INTERVAL BATCH... create TABLE from the first batch (with
                                                      delta.checkpointInterval INTERVAL, as
                                                      Aquifer's table), then append each other
                                                      batch as one commit through the one
                                                      DeltaTable, as a user would keep it open
    delta_rs_writes.py merge TABLE SOURCE             upsert SOURCE (Parquet) into TABLE on id
    delta_rs_writes.py delete TABLE PREDICATE         delete the rows matching PREDICATE (copy on
                                                      write: delta-rs writes no deletion vectors)
    delta_rs_writes.py checkpoint TABLE               write a checkpoint at the latest version
    delta_rs_writes.py load TABLE                     load the latest snapshot with its file list
    delta_rs_writes.py digest TABLE...                rows and sum(id) of each table as delta-rs
                                                      reads it (for the agreement checks)

Prints one JSON object: the time taken inside Python (imports and start-up not counted),
peak RSS in bytes, and what each operation reports for the agreement checks.
"""

import hashlib
import json
import os
import resource
import sys
import time
from urllib.parse import unquote, urlparse

import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import DeltaTable, QueryBuilder, write_deltalake


def relative_paths(uris: list[str], table: str) -> list[str]:
    root = os.path.abspath(table)
    return sorted(os.path.relpath(unquote(urlparse(uri).path), root) for uri in uris)


def peak_rss() -> int:
    """This process's own peak resident set (VmHWM), bytes. Not ru_maxrss: on Linux that
    survives fork and exec, so it is never below what the parent held when it spawned us."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main(argv: list[str]) -> None:
    op, table = argv[0], argv[1]
    start = time.perf_counter()
    end = None
    extra = {}
    if op == "append":
        interval, first, rest = argv[2], argv[3], argv[4:]
        write_deltalake(table, pq.read_table(first), mode="append", configuration={"delta.checkpointInterval": interval})
        dt = DeltaTable(table)
        for batch in rest:
            write_deltalake(dt, pq.read_table(batch), mode="append")
    elif op == "merge":
        source = pq.read_table(argv[2])
        metrics = (
            DeltaTable(table)
            .merge(source, predicate="target.id = source.id", source_alias="source", target_alias="target")
            .when_matched_update_all()
            .when_not_matched_insert_all()
            .execute()
        )
        extra = {"updated": metrics.get("num_target_rows_updated"), "inserted": metrics.get("num_target_rows_inserted")}
    elif op == "delete":
        metrics = DeltaTable(table).delete(argv[2])
        extra = {"deleted": metrics.get("num_deleted_rows")}
    elif op == "checkpoint":
        DeltaTable(table).create_checkpoint()
    elif op == "load":
        dt = DeltaTable(table)
        uris = dt.file_uris()
        end = time.perf_counter()
        # The file list's digest, for comparing states, is not part of the load's time.
        paths = relative_paths(uris, table)
        extra = {"version": dt.version(), "files": len(uris), "pathsDigest": hashlib.sha256("\n".join(paths).encode()).hexdigest()}
    elif op == "digest":
        digests = []
        for t in argv[1:]:
            # QueryBuilder (DataFusion) applies deletion vectors; to_pyarrow_table refuses such tables.
            result = pa.table(QueryBuilder().register("t", DeltaTable(t)).execute("SELECT count(*) AS n, CAST(coalesce(sum(id), 0) AS VARCHAR) AS s FROM t").read_all()).to_pylist()[0]
            digests.append({"rows": result["n"], "sumId": result["s"]})
        extra = {"digests": digests}
    else:
        sys.exit(__doc__)
    ms = ((end or time.perf_counter()) - start) * 1000
    print(json.dumps({"ms": ms, "peakRss": peak_rss(), **extra}))


if __name__ == "__main__":
    main(sys.argv[1:])
