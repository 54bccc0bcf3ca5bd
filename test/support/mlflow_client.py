"""The MLflow Python client, unchanged, against an Aquifer server (MLFLOW_TRACKING_URI and
MLFLOW_TRACKING_TOKEN from the environment): log a run with params, stepped metrics, tags,
artifacts, a dataset and an ONNX model registered as NAME (alias champion), then read it all
back with MlflowClient and print, as JSON on the last line, what was read.

usage: mlflow_client.py EXPERIMENT MODEL_NAME OUT_DIR"""
import json
import os
import sys

import mlflow
import numpy as np
import onnx
import pandas as pd
from mlflow import MlflowClient
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.linear_model import LogisticRegression

experiment, name, out = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
X = rng.normal(size=(200, 4)).astype(np.float32)
y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
model = LogisticRegression(max_iter=500).fit(X, y)
onx = convert_sklearn(model, initial_types=[("float_input", FloatTensorType([None, 4]))], options={id(model): {"zipmap": False}})
onnx_path = os.path.join(out, "model.onnx")
with open(onnx_path, "wb") as f:
    f.write(onx.SerializeToString())
notes = os.path.join(out, "notes.txt")
with open(notes, "w") as f:
    f.write("hello, aquifer\n")

mlflow.set_experiment(experiment)
with mlflow.start_run(run_name="aquifer-roundtrip") as run:
    run_id = run.info.run_id
    mlflow.log_param("C", "1.0")
    mlflow.log_params({"penalty": "l2", "n_features": 4})
    for step, loss in enumerate([1.0, 0.5, 0.25]):
        mlflow.log_metric("loss", loss, step=step)
    mlflow.log_metrics({"acc": 0.97, "auc": 0.99}, step=2)
    mlflow.set_tag("team", "models")
    mlflow.log_artifact(notes, artifact_path="extra")
    mlflow.log_dict({"lr": 0.1, "layers": [4, 2]}, "cfg/config.json")
    frame = pd.DataFrame(X[:10], columns=["a", "b", "c", "d"])
    mlflow.log_input(mlflow.data.from_pandas(frame, name="trainset"), context="training")
    info = mlflow.onnx.log_model(onnx.load(onnx_path), name="model", registered_model_name=name)

client = MlflowClient()
version = info.registered_model_version
client.set_registered_model_alias(name, "champion", version)

got = client.get_run(run_id)
downloaded = client.download_artifacts(run_id, "extra/notes.txt", os.path.join(out, "download"))
with open(downloaded) as f:
    downloaded_text = f.read()
rm = client.get_registered_model(name)
mv = client.get_model_version(name, version)
by_alias = client.get_model_version_by_alias(name, "champion")
found = client.search_runs([got.info.experiment_id], filter_string="metrics.acc > 0.9 and params.penalty = 'l2' and tags.team = 'models'")
not_found = client.search_runs([got.info.experiment_id], filter_string="metrics.acc < 0.5")
versions = client.search_model_versions(f"name = '{name}'")
loaded = mlflow.onnx.load_model(f"models:/{name}@champion")
import onnxruntime  # noqa: E402  (after MLflow: the same runtime mlflow.pyfunc would use)

labels, probabilities = onnxruntime.InferenceSession(loaded.SerializeToString()).run(None, {"float_input": X[:5]})

print(
    json.dumps({
        "run_id": run_id,
        "model_id": info.model_id,
        "model_uri": info.model_uri,
        "experiment_id": got.info.experiment_id,
        "status": got.info.status,
        "run_name": got.info.run_name,
        "artifact_uri": got.info.artifact_uri,
        "params": got.data.params,
        "metrics": got.data.metrics,
        "tags": {k: v for k, v in got.data.tags.items() if not k.startswith("mlflow.")},
        "inputs": [[d.dataset.name, [(t.key, t.value) for t in d.tags]] for d in got.inputs.dataset_inputs],
        "loss_history": [[m.step, m.value] for m in client.get_metric_history(run_id, "loss")],
        "artifacts": sorted([a.path, a.is_dir] for a in client.list_artifacts(run_id)),
        "extra": [[a.path, a.file_size] for a in client.list_artifacts(run_id, "extra")],
        "downloaded": downloaded_text,
        "registered_model": {"name": rm.name, "aliases": dict(rm.aliases), "latest": [v.version for v in rm.latest_versions]},
        "model_version": {"version": mv.version, "source": mv.source, "run_id": mv.run_id, "status": mv.status, "aliases": list(mv.aliases)},
        "by_alias": by_alias.version,
        "search_runs": [r.info.run_id for r in found],
        "search_runs_none": [r.info.run_id for r in not_found],
        "search_versions": [v.version for v in versions],
        "loaded_graph_inputs": [i.name for i in loaded.graph.input],
        "loaded_same_bytes": loaded.SerializeToString() == onx.SerializeToString(),
        "features": X[:5].tolist(),
        "predicted": {"label": labels.tolist(), "probabilities": probabilities.tolist()},
    })
)
