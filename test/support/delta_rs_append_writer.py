"""One delta-rs writer beside Aquifer's in the S3 proof (test/table/s3).

    python delta_rs_append_writer.py URI WRITER COMMITS

STORAGE_OPTIONS (JSON in the environment) holds the MinIO endpoint and credentials, plus
whatever makes delta-rs commit with put-if-absent. Appends COMMITS numbered batches (10 rows
each, ids WRITER * 1e6 + batch * 100 + i) with write_deltalake(mode="append"), each its own
commit. A commit delta-rs gives up on (CommitFailedError and the like) is tried again.
Prints one JSON line per batch: {"writer", "batch", "conflicts", "errors"}; the log and the
rows say where each batch landed.
"""

from __future__ import annotations

import json
import os
import sys


def main(argv: list[str]) -> int:
    import pyarrow as pa
    from deltalake import write_deltalake

    uri, writer, commits = argv[1], int(argv[2]), int(argv[3])
    options = json.loads(os.environ["STORAGE_OPTIONS"])
    base = writer * 1_000_000
    for batch in range(commits):
        data = pa.table(
            {
                "id": pa.array([base + batch * 100 + i for i in range(10)], pa.int64()),
                "writer": pa.array([writer] * 10, pa.int32()),
                "batch": pa.array([batch] * 10, pa.int32()),
            }
        )
        conflicts = 0
        errors: list[str] = []
        while True:
            try:
                write_deltalake(uri, data, mode="append", storage_options=options)
                break
            except Exception as error:  # noqa: BLE001 - every failure is counted and retried
                name = type(error).__name__
                if "Commit" in name or "Conflict" in name or "Transaction" in name:
                    conflicts += 1
                else:
                    errors.append(f"{name}: {error}"[:300])
                if conflicts + len(errors) > 200:
                    raise
        print(json.dumps({"writer": writer, "batch": batch, "conflicts": conflicts, "errors": errors}), flush=True)
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    os._exit(code)
