"""Validate Parquet data with Great Expectations 1.x on pandas: the reference for issue 15.

    python ge_validate.py DATA SUITE_JSON [--result-format FORMAT]
        [--unexpected-index-column-names c1,c2] [--partial-unexpected-count N]
        [--dtype-backend numpy|numpy_nullable|pyarrow]

DATA is a Parquet file or a folder of them, read whole into one pandas DataFrame with
pandas.read_parquet (pyarrow; in a folder pyarrow skips names starting with _ or ., so a
Delta table's _delta_log is ignored, and reads the files in name order). The default
numpy dtypes are what a GE user gets: an integer column with nulls becomes float64 with
NaN, strings become object. The DataFrame's index is 0..n-1, and that is what GE puts in
unexpected_index_list unless --unexpected-index-column-names names id columns.

SUITE_JSON is an expectation suite as GE 1.x writes it:
    {"name": ..., "expectations": [{"type": "expect_...", "kwargs": {...}}, ...], ...}

FORMAT is BOOLEAN_ONLY, BASIC, SUMMARY or COMPLETE (default COMPLETE), or a JSON object
handed to GE as is, e.g. {"result_format": "COMPLETE", "return_unexpected_index_query": false}.

The suite runs through an ephemeral context: a pandas datasource, a dataframe asset and
a whole-dataframe batch definition, then batch.validate(suite, result_format=...). Stdout
gets one line: GE's ExpectationSuiteValidationResult.to_json_dict(), with the numpy
scalars GE leaves in it made plain (np.float64 -> float, np.bool -> bool) and non-finite
floats written as the strings "NaN", "Infinity", "-Infinity". Everything GE logs
goes to stderr. An expectation GE cannot build (unknown type, bad kwargs) exits 1 rather
than being dropped, which is what ExpectationSuite(...) itself does with a logged error.
Bad arguments exit 2.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys

# Before GE is imported: it reads these at import or context creation.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("TQDM_DISABLE", "1")

SUITE_KEYS = ("name", "expectations", "suite_parameters", "meta", "notes", "id")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data")
    parser.add_argument("suite")
    parser.add_argument("--result-format", default="COMPLETE")
    parser.add_argument("--unexpected-index-column-names", default=None)
    parser.add_argument("--partial-unexpected-count", type=int, default=None)
    parser.add_argument(
        "--dtype-backend", choices=("numpy", "numpy_nullable", "pyarrow"), default="numpy"
    )
    return parser.parse_args(argv)


def result_format(args: argparse.Namespace) -> str | dict:
    text = args.result_format.strip()
    fmt: dict = json.loads(text) if text.startswith("{") else {"result_format": text}
    if args.unexpected_index_column_names:
        fmt["unexpected_index_column_names"] = [
            c for c in args.unexpected_index_column_names.split(",") if c
        ]
    if args.partial_unexpected_count is not None:
        fmt["partial_unexpected_count"] = args.partial_unexpected_count
    # GE accepts the bare keyword too; keep it bare when nothing else was asked for.
    return fmt["result_format"] if list(fmt) == ["result_format"] else fmt


def read_frame(path: str, dtype_backend: str):
    import pandas as pd

    if dtype_backend == "numpy":
        return pd.read_parquet(path)
    return pd.read_parquet(path, dtype_backend=dtype_backend)


def validate(args: argparse.Namespace) -> dict:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    with open(args.suite, encoding="utf-8") as f:
        suite_json = json.load(f)
    expectations = suite_json.get("expectations", [])
    suite = gx.ExpectationSuite(**{k: suite_json[k] for k in SUITE_KEYS if k in suite_json})
    if len(suite.expectations) != len(expectations):
        built = {e.expectation_type for e in suite.expectations}
        dropped = [e.get("type") for e in expectations if e.get("type") not in built]
        raise SystemExit(f"GE could not build these expectations (see its log above): {dropped}")

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("reference")
        .add_dataframe_asset("data")
        .add_batch_definition_whole_dataframe("whole")
        .get_batch(batch_parameters={"dataframe": read_frame(args.data, args.dtype_backend)})
    )
    return batch.validate(suite, result_format=result_format(args)).to_json_dict()


def plain(value):
    """GE's to_json_dict leaves numpy scalars (observed values, success flags, index-list
    values) in place, and floats may be NaN or infinite, which JSON.parse rejects."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    # GE and its dependencies print to stdout in places; only the result may go there.
    with contextlib.redirect_stdout(sys.stderr):
        result = validate(args)
    sys.stdout.write(json.dumps(plain(result), allow_nan=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
