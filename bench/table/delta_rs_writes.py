"""delta-rs side of the write benchmarks (bench/table/writes-run.ts), in the venv of scripts/python-env.sh.

    delta_rs_writes.py append TABLE BATCH...          append each Parquet batch file as one commit
    delta_rs_writes.py merge TABLE SOURCE             upsert SOURCE (Parquet) into TABLE on id
    delta_rs_writes.py delete TABLE PREDICATE         delete the rows matching PREDICATE (copy on write)
    delta_rs_writes.py checkpoint TABLE               write a checkpoint at the latest version
    delta_rs_writes.py load TABLE                     load the latest snapshot with its file list

Prints one JSON object: the time taken inside Python (imports and start-up not counted) and
peak RSS in bytes.
"""

import json
import resource
import sys
import time

import pyarrow.parquet as pq
from deltalake import DeltaTable, write_deltalake


def main(argv: list[str]) -> None:
    op, table = argv[0], argv[1]
    start = time.perf_counter()
    extra = {}
    if op == "append":
        for batch in argv[2:]:
            write_deltalake(table, pq.read_table(batch), mode="append")
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
        extra = {"files": len(DeltaTable(table).file_uris())}
    else:
        sys.exit(__doc__)
    ms = (time.perf_counter() - start) * 1000
    print(json.dumps({"ms": ms, "peakRss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, **extra}))


if __name__ == "__main__":
    main(sys.argv[1:])
