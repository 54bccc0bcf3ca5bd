#!/usr/bin/env python3
"""Feast's side of the feature store benchmarks (bench/features), in the reference venv.

Usage:
  feast_bench.py online SPEC.json      write a Feast repository for one online view, apply it
                                       and time store.materialize() into its online store
                                       (sqlite or Redis); the repository is then ready for
                                       `feast serve`
  feast_bench.py historical SPEC.json  write a repository for the training views and apply it
                                       (not timed), then time reading the entity rows,
                                       get_historical_features(...).to_arrow() with the DuckDB
                                       offline store and writing the result to SPEC's output as
                                       Parquet: from the same files to a saved result, as
                                       Aquifer's save

Prints one JSON object on stdout (times in milliseconds, peak RSS in KiB).
"""
import json
import os
import resource
import sys
import time
from datetime import datetime, timedelta

TYPES = {"double": "Float64", "long": "Int64"}


def peak_rss_kb():
    """This process's own peak resident set (VmHWM), KiB. Not ru_maxrss: on Linux that
    survives fork and exec, so it is never below what the parent held when it spawned us."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def write_repo(repo, project, online):
    os.makedirs(repo, exist_ok=True)
    if online["type"] == "sqlite":
        online_yaml = f"online_store:\n  type: sqlite\n  path: {os.path.join(repo, 'online.db')}\n"
    else:
        online_yaml = f"online_store:\n  type: redis\n  connection_string: \"{online['connection']}\"\n"
    with open(os.path.join(repo, "feature_store.yaml"), "w") as f:
        f.write(
            f"project: {project}\n"
            f"registry: {os.path.join(repo, 'registry.db')}\n"
            "provider: local\n"
            "offline_store:\n  type: duckdb\n"
            f"{online_yaml}"
            "entity_key_serialization_version: 3\n"
        )


def definitions(spec_views, online):
    from feast import Entity, FeatureView, Field, FileSource, ValueType
    from feast import types as feast_types

    driver = Entity(name="driver", join_keys=["driver_id"], value_type=ValueType.INT64)
    views = []
    for v in spec_views:
        source = FileSource(
            name=f"{v['name']}_source",
            path=v["parquet"],
            timestamp_field=v["timestampField"],
            created_timestamp_column=v.get("createdTimestampField") or "",
        )
        views.append(
            FeatureView(
                name=v["name"],
                entities=[driver],
                ttl=timedelta(seconds=v.get("ttlSeconds", 0)),
                schema=[Field(name=f["name"], dtype=getattr(feast_types, TYPES[f["type"]])) for f in v["features"]],
                source=source,
                online=online,
            )
        )
    return [driver, *views]


def online(spec):
    from feast import FeatureStore

    write_repo(spec["repo"], spec["project"], spec["online"])
    store = FeatureStore(repo_path=spec["repo"])
    store.apply(definitions([spec["view"]], online=True))
    start = time.perf_counter()
    store.materialize(datetime.fromisoformat(spec["start"]), datetime.fromisoformat(spec["end"]), feature_views=[spec["view"]["name"]])
    ms = (time.perf_counter() - start) * 1000
    return {"materializeMs": ms, "maxRssKb": peak_rss_kb()}


def historical(spec):
    import pandas as pd
    import pyarrow.parquet as pq
    from feast import FeatureStore

    write_repo(spec["repo"], "training", {"type": "sqlite"})
    store = FeatureStore(repo_path=spec["repo"])
    store.apply(definitions(spec["views"], online=False))
    t0 = time.perf_counter()
    entity_df = pd.read_parquet(spec["entities"])
    t1 = time.perf_counter()
    job = store.get_historical_features(entity_df=entity_df, features=spec["features"])
    t2 = time.perf_counter()
    table = job.to_arrow()
    t3 = time.perf_counter()
    rows = table.num_rows
    pq.write_table(table, spec["output"])
    t4 = time.perf_counter()
    rss = peak_rss_kb()
    return {
        "ms": (t4 - t0) * 1000,
        "readEntitiesMs": (t1 - t0) * 1000,
        "planMs": (t2 - t1) * 1000,
        "runMs": (t3 - t2) * 1000,
        "writeMs": (t4 - t3) * 1000,
        "rows": rows,
        "maxRssKb": rss,
    }


def main(argv):
    command, spec_file = argv[1], argv[2]
    spec = json.load(open(spec_file))
    result = {"online": online, "historical": historical}[command](spec)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    import warnings

    warnings.filterwarnings("ignore")
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
