#!/usr/bin/env python3
"""Feast's point-in-time join on the same data, as the reference for Aquifer's training sets.

Usage: feast_historical.py SPEC.json OUTPUT.parquet

SPEC names the entities, the feature views (each a Parquet file with its timestamp and
created-timestamp columns, join keys, TTL in seconds and features with their types), the
entity rows (a Parquet file) and the features to fetch. A throwaway Feast repository with
the DuckDB offline store (the one whose point-in-time rows are correct, see STACK.md) is
written to a temporary folder, applied, and asked for the historical features; the result
goes to OUTPUT as Parquet. With an "online" section (start, end, entities, output), the views
are also materialized into Feast's SQLite online store for [start, end) and the online
features of those entities are written to its output as JSON (`to_dict()`).
"""
import json
import os
import sys
import tempfile
from datetime import timedelta

TYPES = {"double": "Float64", "float": "Float32", "long": "Int64", "integer": "Int32", "string": "String", "boolean": "Bool"}


def main(argv):
    spec = json.load(open(argv[1]))
    output = argv[2]
    import pandas as pd
    from feast import Entity, FeatureStore, FeatureView, Field, FileSource, ValueType
    from feast import types as feast_types

    repo = tempfile.mkdtemp(prefix="feast-repo-")
    with open(os.path.join(repo, "feature_store.yaml"), "w") as f:
        f.write(
            "project: parity\n"
            f"registry: {os.path.join(repo, 'registry.db')}\n"
            "provider: local\n"
            "offline_store:\n  type: duckdb\n"
            f"online_store:\n  type: sqlite\n  path: {os.path.join(repo, 'online.db')}\n"
            "entity_key_serialization_version: 3\n"
        )
    store = FeatureStore(repo_path=repo)
    entities = {e["name"]: Entity(name=e["name"], join_keys=e["joinKeys"], value_type=ValueType.INT64) for e in spec["entities"]}
    views = []
    for v in spec["views"]:
        source = FileSource(
            name=f"{v['name']}_source",
            path=v["path"],
            timestamp_field=v["timestampField"],
            created_timestamp_column=v.get("createdTimestampField") or "",
        )
        views.append(
            FeatureView(
                name=v["name"],
                entities=[entities[name] for name in v["entities"]],
                ttl=timedelta(seconds=v["ttlSeconds"]),
                schema=[Field(name=f["name"], dtype=getattr(feast_types, TYPES[f["type"]])) for f in v["features"]],
                source=source,
                online="online" in spec,
            )
        )
    store.apply([*entities.values(), *views])
    entity_df = pd.read_parquet(spec["entityRows"])
    job = store.get_historical_features(entity_df=entity_df, features=spec["features"], full_feature_names=spec.get("fullFeatureNames", False))
    job.to_df().to_parquet(output, index=False)
    online = spec.get("online")
    if online is not None:
        from datetime import datetime

        store.materialize(start_date=datetime.fromisoformat(online["start"]), end_date=datetime.fromisoformat(online["end"]))
        rows = [dict(zip(online["entities"].keys(), values)) for values in zip(*online["entities"].values())]
        result = store.get_online_features(features=spec["features"], entity_rows=rows).to_dict()
        with open(online["output"], "w") as f:
            json.dump(result, f, default=str)
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    os._exit(code)
