"""The peer of `npm run bench:orchestrate`'s run part: the same chain of trivial assets in Dagster.

Each asset does what an Aquifer SQL asset of the chain does: DuckDB runs `SELECT x FROM <previous>`
over the previous asset's Delta table (`SELECT 1 AS x` for the first) and the result is written as
a Delta table (delta-rs). Sizes and folders come from the environment: BENCH_DAGSTER_ASSETS,
BENCH_DAGSTER_DIR.

  dagster asset materialize -f dagster_chain.py --select '*'   the CLI (its default multiprocess executor)
  python dagster_chain.py inproc                               dagster.materialize(), in process; prints {"ms": ...}
  python dagster_chain.py raw                                  the same writes without Dagster; prints {"ms": ...}
"""

import json
import os
import sys
import time

import duckdb
from deltalake import DeltaTable, write_deltalake

COUNT = int(os.environ.get("BENCH_DAGSTER_ASSETS", "100"))
DIR = os.environ.get("BENCH_DAGSTER_DIR", "/tmp/dagster-chain")


def step(dir: str, i: int) -> None:
    if i == 0:
        table = duckdb.sql("SELECT 1 AS x").arrow()
    else:
        previous = DeltaTable(os.path.join(dir, f"c_{i - 1}")).to_pyarrow_table()  # noqa: F841 (read by DuckDB by name)
        table = duckdb.sql("SELECT x FROM previous").arrow()
    write_deltalake(os.path.join(dir, f"c_{i}"), table, mode="overwrite")


def chain_assets(dir: str):
    import dagster as dg

    def make(i: int, deps: list):
        @dg.asset(name=f"c_{i}", deps=deps)
        def body() -> None:
            step(dir, i)

        return body

    made = []
    for i in range(COUNT):
        made.append(make(i, [made[-1]] if made else []))
    return made


if __name__ == "__main__":
    mode = sys.argv[1]
    dir = os.path.join(DIR, mode)
    start = time.perf_counter()
    if mode == "raw":
        for i in range(COUNT):
            step(dir, i)
    else:
        import dagster as dg

        result = dg.materialize(chain_assets(dir), instance=dg.DagsterInstance.ephemeral())
        assert result.success
    print(json.dumps({"ms": (time.perf_counter() - start) * 1000}))
else:
    import dagster as dg

    defs = dg.Definitions(assets=chain_assets(os.path.join(DIR, "cli")))
