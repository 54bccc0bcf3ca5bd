"""GE 1.x on pandas, timed as its users run it: read the Parquet into a DataFrame, then
validate the suite on it (an ephemeral context, a whole-dataframe batch).

    python ge_bench.py DATA.parquet SUITE.json

Prints one JSON line: ms (read + validate), read_ms, validate_ms, peakRss (bytes, VmHWM),
and each result's type, kwargs, success, unexpected_count and observed_value, for the
agreement check against Aquifer.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "test", "support"))
import ge_validate  # noqa: E402  (the runner's plain() and suite handling)


def peak_rss() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def main(data: str, suite_path: str) -> int:
    import great_expectations as gx
    import pandas as pd
    from great_expectations.data_context.types.base import ProgressBarsConfig

    with open(suite_path, encoding="utf-8") as f:
        suite_json = json.load(f)
    with contextlib.redirect_stdout(sys.stderr):
        suite = gx.ExpectationSuite(**{k: suite_json[k] for k in ge_validate.SUITE_KEYS if k in suite_json})
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = context.data_sources.add_pandas("bench").add_dataframe_asset("data")
        definition = asset.add_batch_definition_whole_dataframe("whole")
        start = time.perf_counter()
        frame = pd.read_parquet(data)
        read_done = time.perf_counter()
        batch = definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format="SUMMARY").to_json_dict()
        end = time.perf_counter()
    results = [
        {
            "type": r["expectation_config"]["type"],
            "kwargs": {k: v for k, v in r["expectation_config"]["kwargs"].items() if k != "batch_id"},
            "success": r["success"],
            "unexpected_count": r["result"].get("unexpected_count"),
            "observed_value": r["result"].get("observed_value"),
        }
        for r in result["results"]
    ]
    out = {
        "ms": (end - start) * 1000,
        "read_ms": (read_done - start) * 1000,
        "validate_ms": (end - read_done) * 1000,
        "peakRss": peak_rss(),
        "results": results,
    }
    sys.stdout.write(json.dumps(ge_validate.plain(out), allow_nan=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
