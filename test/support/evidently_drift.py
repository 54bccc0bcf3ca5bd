"""Evidently's DataDriftPreset on generated reference/current frames: the anchor for drift parity (issue 18).

Usage: evidently_drift.py OUT_DIR

Builds seeded frames of several sizes and column types, with planted shifts (scale, category
mix, shape, a small mean shift, new categories) and unchanged columns; writes each pair as
Parquet (OUT_DIR/<case>/reference.parquet, current.parquet); reads them back with pandas (so
Evidently sees the dtypes pd.read_parquet gives, as a user's frames would be); runs
DataDriftPreset on them; prints one JSON document: per case, per tested column Evidently's
method (display name), threshold, value and verdict, and the dataset's drifted count, share
and verdict.
"""

import json
import os
import sys
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

warnings.filterwarnings("ignore")

from evidently import Report, __version__ as evidently_version  # noqa: E402
from evidently.legacy.calculations.stattests.registry import _registered_stat_tests  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402


def frame(rng, n, shift):
    """One sample; `shift` plants the drifts (0 for the reference)."""
    s = shift
    data = {
        "num_same": rng.normal(0.0, 1.0, n),
        "num_scale": rng.normal(0.0, 1.0 + 0.6 * s, n),
        "num_mean_small": rng.normal(10.0 + 0.15 * s, 2.0, n),
        # Same mean and variance, another shape: a normal becomes a shifted exponential.
        "num_shape": rng.normal(0.0, 1.0, n) if s == 0 else rng.exponential(1.0, n) - 1.0,
        "int_wide": rng.integers(0, 60, n),
        "int_ties": rng.poisson(20 + 2 * s, n),
        "cat_int": rng.choice([0, 1, 2, 3], n, p=[0.4, 0.3, 0.2, 0.1] if s == 0 else [0.3, 0.3, 0.25, 0.15]),
        "cat_str_same": rng.choice(["a", "b", "c", "d", "e"], n),
        "cat_str_mix": rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2])
        if s == 0
        else rng.choice(["red", "green", "blue", "violet"], n, p=[0.4, 0.3, 0.2, 0.1]),
        "flag": rng.random(n) < (0.3 + 0.05 * s),
        "num_few": rng.choice([0.5, 1.5, 2.5, 3.5], n),
        "num_binary": rng.choice([0.0, 1.0], n, p=[0.5, 0.5] if s == 0 else [0.45, 0.55]),
        "uint_skipped": rng.integers(0, 1000, n).astype(np.uint32),
        "when_skipped": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10_000, n), unit="min"),
    }
    df = pd.DataFrame(data)
    # NaN and ±inf in a float column, NULLs in an integer one (pandas reads it back as float64).
    with_gaps = rng.normal(5.0 + 0.5 * s, 1.0, n)
    with_gaps[rng.random(n) < 0.1] = np.nan
    with_gaps[rng.random(n) < 0.01] = np.inf
    df["num_gaps"] = with_gaps
    ints = pd.array(rng.integers(0, 40, n), dtype="Int64")
    ints[rng.random(n) < 0.05] = pd.NA
    df["int_nulls"] = ints
    return df


# (name, reference rows, current rows, per-column methods): sizes on both sides of Evidently's
# 1000-row cut, equal and unequal (K-S exact), a large current against a small reference
# (K-S by kstwo), and the methods a user can ask for.
CASES = [
    ("small_equal", 200, 200, None),
    ("small_unequal", 300, 450, None),
    ("small_reference_large_current", 800, 12_000, None),
    ("large", 20_000, 15_000, None),
    (
        "methods",
        1_500,
        2_000,
        {
            "num_same": "psi",
            "num_scale": "kl_div",
            "num_mean_small": "anderson",
            "num_shape": "cramer_von_mises",
            "int_wide": "jensenshannon",
            "int_ties": "psi",
            "cat_int": "psi",
            "cat_str_same": "kl_div",
            "cat_str_mix": "chisquare",
            "flag": "z",
            "num_few": "ks",
            "num_binary": "jensenshannon",
            "num_gaps": "wasserstein",
            "int_nulls": "anderson",
        },
    ),
    (
        "methods_large",
        12_000,
        15_000,
        {
            "num_same": "ks",
            "num_scale": "ks",
            "num_mean_small": "ks",
            "num_shape": "cramer_von_mises",
            "int_wide": "anderson",
            "int_ties": "kl_div",
            "num_gaps": "cramer_von_mises",
        },
    ),
]


def display_name(method):
    tests = _registered_stat_tests.get(method)
    return next(iter(tests.values())).display_name if tests else method


def run_case(out_dir, name, n_ref, n_cur, per_column, seed):
    rng = np.random.default_rng(seed)
    case_dir = os.path.join(out_dir, name)
    os.makedirs(case_dir, exist_ok=True)
    paths = {}
    for side, n, shift in (("reference", n_ref, 0), ("current", n_cur, 1)):
        path = os.path.join(case_dir, f"{side}.parquet")
        # Without pandas' own metadata, as DuckDB (and so Aquifer) writes Parquet: pandas then reads
        # an integer column with NULLs as float64, not as its nullable Int64 (which Evidently skips).
        table = pa.Table.from_pandas(frame(rng, n, shift), preserve_index=False).replace_schema_metadata(None)
        pq.write_table(table, path)
        paths[side] = path
    reference = pd.read_parquet(paths["reference"])
    current = pd.read_parquet(paths["current"])
    preset = DataDriftPreset(per_column_method=per_column) if per_column else DataDriftPreset()
    snapshot = Report([preset], include_tests=True).run(current, reference).dict()
    columns = {}
    dataset = {}
    for metric in snapshot["metrics"]:
        config = metric["config"]
        if config["type"].endswith("ValueDrift"):
            columns[config["column"]] = {"method": display_name(config["method"]), "threshold": config["threshold"], "value": metric["value"]}
        elif config["type"].endswith("DriftedColumnsCount"):
            dataset = {"drifted_count": metric["value"]["count"], "drifted_share": metric["value"]["share"], "drift_share": config["drift_share"]}
    for test in snapshot["tests"]:
        params = test["metric_config"]["params"]
        if test["id"] == "drift":
            columns[params["column"]]["drifted"] = test["status"] == "FAIL"
        elif test["id"] == "lt":
            dataset["drifted"] = test["status"] == "FAIL"
    return {"name": name, "reference": paths["reference"], "current": paths["current"], "per_column_method": per_column, "columns": columns, "dataset": dataset}


def main():
    out_dir = sys.argv[1]
    cases = [run_case(out_dir, name, n_ref, n_cur, per_column, seed) for seed, (name, n_ref, n_cur, per_column) in enumerate(CASES)]
    json.dump({"evidently": evidently_version, "cases": cases}, sys.stdout, allow_nan=True)


if __name__ == "__main__":
    main()
