"""Evidently's DataDriftPreset timed as its users run it: read both Parquet files with pandas,
then run the report on the two frames.

    python drift_evidently.py REFERENCE.parquet CURRENT.parquet

BENCH_DRIFT_EVIDENTLY_MAX_RSS (GiB) stops it, exit 3, when its resident set passes that.

Prints one JSON line: ms (read + report), read_ms, report_ms, peakRss (bytes, VmHWM: the
process's own high-water mark, whatever its parent held), and per tested column the method's
display name, threshold, value and verdict, and the dataset's drifted count, share and
verdict, for the agreement check against Aquifer (the same reading of Evidently's snapshot
as test/support/evidently_drift.py).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import resource
import sys
import threading
import time
import warnings

warnings.filterwarnings("ignore")


def peak_rss() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def rss() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def watch_memory(limit: int) -> None:
    """Stop this process once its resident set passes `limit` bytes: the machine is shared, and a
    report that outgrows it would take the other engineers' memory (or the OOM killer would pick)."""

    def watch() -> None:
        while True:
            used = rss()
            if used > limit:
                sys.stderr.write(f"MemoryCap: resident set {used / 2**30:.2f} GiB passed the cap of {limit / 2**30:.2f} GiB (BENCH_DRIFT_EVIDENTLY_MAX_RSS)\n")
                sys.stderr.flush()
                os._exit(3)
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()


def plain(value):
    """NaN and infinities as null: JSON has neither."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def main(reference_path: str, current_path: str) -> int:
    cap = os.environ.get("BENCH_DRIFT_EVIDENTLY_MAX_RSS")
    if cap:
        watch_memory(int(float(cap) * 2**30))
    import pandas as pd
    from evidently import Report
    from evidently.legacy.calculations.stattests.registry import _registered_stat_tests
    from evidently.presets import DataDriftPreset

    def display_name(method):
        tests = _registered_stat_tests.get(method)
        return next(iter(tests.values())).display_name if tests else method

    with contextlib.redirect_stdout(sys.stderr):
        start = time.perf_counter()
        reference = pd.read_parquet(reference_path)
        current = pd.read_parquet(current_path)
        read_done = time.perf_counter()
        snapshot = Report([DataDriftPreset()], include_tests=True).run(current, reference)
        end = time.perf_counter()
        result = snapshot.dict()
    columns = {}
    dataset = {}
    for metric in result["metrics"]:
        config = metric["config"]
        if config["type"].endswith("ValueDrift"):
            columns[config["column"]] = {"method": display_name(config["method"]), "threshold": config["threshold"], "value": plain(metric["value"])}
        elif config["type"].endswith("DriftedColumnsCount"):
            dataset = {"drifted_count": metric["value"]["count"], "drifted_share": metric["value"]["share"], "drift_share": config["drift_share"]}
    for test in result["tests"]:
        params = test["metric_config"]["params"]
        if test["id"] == "drift":
            columns[params["column"]]["drifted"] = test["status"] == "FAIL"
        elif test["id"] == "lt":
            dataset["drifted"] = test["status"] == "FAIL"
    out = {
        "ms": (end - start) * 1000,
        "read_ms": (read_done - start) * 1000,
        "report_ms": (end - read_done) * 1000,
        "peakRss": peak_rss(),
        "columns": columns,
        "dataset": dataset,
    }
    sys.stdout.write(json.dumps(out, allow_nan=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
