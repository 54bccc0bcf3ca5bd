#!/usr/bin/env python3
"""Feast's side of the feature store benchmarks (bench/features), in the reference venv.

Usage:
  feast_bench.py online SPEC.json      write a Feast repository for one online view, apply it
                                       (not timed) and time store.materialize() into its
                                       empty online store (sqlite or Redis); the repository
                                       is then ready for `feast serve`. With SPEC's `dump`,
                                       then read every entity 1..SPEC's `entities` back with
                                       store.get_online_features (in chunks, not timed) and
                                       write the values, typed, to that Parquet file
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

    # Imported before timing, as the Node side has its modules loaded: Feast reads the
    # offline store through these lazily on the first materialize.
    import ibis  # noqa: F401
    import feast.infra.offline_stores.duckdb  # noqa: F401

    write_repo(spec["repo"], spec["project"], spec["online"])
    store = FeatureStore(repo_path=spec["repo"])
    store.apply(definitions([spec["view"]], online=True))
    start = time.perf_counter()
    store.materialize(datetime.fromisoformat(spec["start"]), datetime.fromisoformat(spec["end"]), feature_views=[spec["view"]["name"]])
    ms = (time.perf_counter() - start) * 1000
    result = {"materializeMs": ms, "maxRssKb": peak_rss_kb()}
    if spec.get("dump"):
        result.update(dump_online(store, spec))
    return result


def dump_online(store, spec, chunk=10_000):
    """Every entity's values as Feast's get_online_features gives them, to a typed Parquet
    file: driver_id, the view's event time (microseconds, UTC) and each feature. A value
    of another Python type than its feature's (int for Int64, float for Float64) is
    counted, not converted; its cell is left NULL so that the comparison fails too."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    view = spec["view"]
    features = view["features"]
    refs = [f"{view['name']}:{f['name']}" for f in features]
    python_types = {"double": float, "long": int}
    arrow_types = {"double": pa.float64(), "long": pa.int64()}
    schema = pa.schema(
        [("driver_id", pa.int64()), ("event_ts", pa.timestamp("us", tz="UTC"))] + [(f["name"], arrow_types[f["type"]]) for f in features]
    )
    wrong_types = []
    not_found = 0
    writer = pq.ParquetWriter(spec["dump"], schema)
    try:
        for first in range(1, spec["entities"] + 1, chunk):
            ids = list(range(first, min(spec["entities"], first + chunk - 1) + 1))
            proto = store.get_online_features(features=refs, entity_rows=[{"driver_id": i} for i in ids]).proto
            names = list(proto.metadata.feature_names.val)
            columns = {"driver_id": ids}
            event_ts = None
            for f in features:
                column = proto.results[names.index(f["name"])]
                values = []
                for i, (status, value) in enumerate(zip(column.statuses, column.values)):
                    kind = value.WhichOneof("val")
                    python = getattr(value, kind) if kind is not None else None
                    if status != 1:  # FieldStatus.PRESENT
                        not_found += 1
                        python = None
                    elif type(python) is not python_types[f["type"]]:
                        wrong_types.append([ids[i], f["name"], kind])
                        python = None
                    values.append(python)
                columns[f["name"]] = values
                stamps = [ts.seconds * 1_000_000 + ts.nanos // 1000 for ts in column.event_timestamps]
                if event_ts is None:
                    event_ts = stamps
                elif stamps != event_ts:
                    raise RuntimeError(f"features of {view['name']} disagree on event times")
            columns["event_ts"] = event_ts
            writer.write_table(pa.table({name: columns[name] for name in schema.names}, schema=schema))
    finally:
        writer.close()
    return {"dumped": spec["entities"], "notFound": not_found, "wrongTypes": wrong_types[:10], "wrongTypeCount": len(wrong_types)}


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
