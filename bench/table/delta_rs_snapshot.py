"""delta-rs side of the snapshot benchmark, run with the venv from scripts/python-env.sh.

    delta_rs_snapshot.py checkpoint PATH      write a checkpoint at the latest version
    delta_rs_snapshot.py load RUNS PATH...    print {path: {median_ms, files, version}} as JSON

Load time is taken inside Python so interpreter start-up and imports are not counted.
"""

import json
import statistics
import sys
import time

from deltalake import DeltaTable


def load(runs: int, path: str) -> dict:
    table = DeltaTable(path)  # warm-up, and the figures to check against Aquifer's
    files = len(table.file_uris())
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        DeltaTable(path)  # loads the file actions eagerly (without_files=False)
        samples.append((time.perf_counter() - start) * 1000)
    return {"median_ms": statistics.median(samples), "files": files, "version": table.version()}


def main(argv: list[str]) -> None:
    if len(argv) == 2 and argv[0] == "checkpoint":
        DeltaTable(argv[1]).create_checkpoint()
    elif len(argv) >= 3 and argv[0] == "load":
        print(json.dumps({path: load(int(argv[1]), path) for path in argv[2:]}))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
