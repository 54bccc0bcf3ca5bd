"""The MLflow Python client, unchanged, through the calls issue 16's first pass left out: deleting
experiment tags, logged models and their tags; stage transitions; NaN and infinite metrics;
metrics logged for a logged model; a multipart upload request. Against MLFLOW_TRACKING_URI (with
MLFLOW_TRACKING_TOKEN when set): an Aquifer server or a real `mlflow server`, which must print the
same JSON (the last line) once ids and times are taken out.

usage: mlflow_gaps.py PREFIX OUT_DIR"""
import json
import math
import os
import sys

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric
from mlflow.exceptions import MlflowException
from mlflow.utils.rest_utils import http_request

prefix, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
client = MlflowClient()
creds = client._tracking_client.store.get_host_creds()
got = {}
TS = 1_700_000_000_000


def error_code(call):
    try:
        call()
    except MlflowException as e:
        return e.error_code
    return None


def number(value):
    """A float as text, so NaN and the infinities survive JSON and compare exactly."""
    return repr(float(value)) if not math.isnan(value) else "nan"


def raw(path, **params):
    """The answer's JSON as sent (proto JSON spells NaN as the string "NaN"), whatever its layout."""
    response = http_request(creds, path, "GET", params=params)
    return response.status_code, json.loads(response.text)


# 1. Deleting: experiment tags, logged models and their tags, registered model and version tags.
experiment_id = client.create_experiment(f"{prefix}-gaps", tags={"keep": "1", "drop": "2"})
client.set_experiment_tag(experiment_id, "more", "3")
client.delete_experiment_tag(experiment_id, "drop")
got["experiment_tags"] = sorted(client.get_experiment(experiment_id).tags.items())
got["delete_missing_experiment_tag"] = error_code(lambda: client.delete_experiment_tag(experiment_id, "drop"))

run_id = client.create_run(experiment_id).info.run_id
doomed = client.create_logged_model(experiment_id, name="doomed", source_run_id=run_id, tags={"a": "1", "b": "2"})
kept = client.create_logged_model(experiment_id, name="kept", source_run_id=run_id)
client.delete_logged_model_tag(doomed.model_id, "a")
got["logged_model_tags_after_delete"] = sorted(client.get_logged_model(doomed.model_id).tags.items())
got["delete_missing_logged_model_tag"] = error_code(lambda: client.delete_logged_model_tag(doomed.model_id, "a"))
client.create_registered_model(f"{prefix}-doomed")
doomed_version = client.create_model_version(f"{prefix}-doomed", f"models:/{doomed.model_id}", model_id=doomed.model_id).version
client.delete_logged_model(doomed.model_id)
got["download_uri_after_delete"] = client.get_model_version_download_uri(f"{prefix}-doomed", doomed_version).endswith(
    f"/models/{doomed.model_id}/artifacts"
)
got["get_deleted_logged_model"] = error_code(lambda: client.get_logged_model(doomed.model_id))
got["search_after_delete"] = [m.name for m in client.search_logged_models(experiment_ids=[experiment_id])]
got["delete_unknown_logged_model"] = error_code(lambda: client.delete_logged_model("m-" + "0" * 32))

# 2. Stages: three versions; Staging, Production, then Production again archiving the other.
name = f"{prefix}-staged"
client.create_registered_model(name)
for _ in range(4):
    client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id)
client.set_model_version_tag(name, "1", "t", "x")
client.delete_model_version_tag(name, "1", "t")
client.set_registered_model_tag(name, "t", "x")
client.delete_registered_model_tag(name, "t")
got["version_tags_after_delete"] = dict(client.get_model_version(name, "1").tags)
got["model_tags_after_delete"] = dict(client.get_registered_model(name).tags)
got["delete_missing_version_tag"] = error_code(lambda: client.delete_model_version_tag(name, "1", "t"))
got["delete_missing_model_tag"] = error_code(lambda: client.delete_registered_model_tag(name, "t"))
staged = client.transition_model_version_stage(name, "1", "staging")
got["transition_reply"] = [staged.version, staged.current_stage]
client.transition_model_version_stage(name, "2", "Production")
client.transition_model_version_stage(name, "3", "production", archive_existing_versions=True)
got["stages"] = [[v.version, v.current_stage] for v in client.search_model_versions(f"name = '{name}'")]
got["get_version_stage"] = client.get_model_version(name, "2").current_stage
got["latest_production"] = [[v.version, v.current_stage] for v in client.get_latest_versions(name, stages=["Production"])]
got["latest_all"] = sorted([v.version, v.current_stage] for v in client.get_latest_versions(name))
got["registered_latest"] = sorted([v.version, v.current_stage] for v in client.get_registered_model(name).latest_versions)
got["search_registered_latest"] = sorted(
    [v.version, v.current_stage] for m in client.search_registered_models(f"name = '{name}'") for v in m.latest_versions
)
got["bad_stage"] = error_code(lambda: client.transition_model_version_stage(name, "1", "Bogus"))
got["archive_from_none"] = error_code(lambda: client.transition_model_version_stage(name, "4", "None", archive_existing_versions=True))
got["stages_unchanged_after_errors"] = [[v.version, v.current_stage] for v in client.search_model_versions(f"name = '{name}'")]
got["transition_missing_version"] = error_code(lambda: client.transition_model_version_stage(name, "9", "Staging"))

# 3. NaN and the infinities, one at a time and in a batch.
for step, value in enumerate([float("nan"), float("inf"), float("-inf"), 0.0]):
    client.log_metric(run_id, "odd", value, timestamp=TS, step=step)
client.log_metric(run_id, "nan-then-zero", float("nan"), timestamp=TS, step=0)
client.log_metric(run_id, "nan-then-zero", 0.0, timestamp=TS, step=0)
client.log_metric(run_id, "nan-then-zero", float("nan"), timestamp=TS, step=0)
client.log_batch(run_id, metrics=[Metric("batch", float("nan"), TS, 0), Metric("batch", float("inf"), TS, 1)])
got["history"] = {
    key: [[m.step, number(m.value)] for m in client.get_metric_history(run_id, key)] for key in ["odd", "nan-then-zero", "batch"]
}
got["run_metrics"] = {k: number(v) for k, v in client.get_run(run_id).data.metrics.items()}
got["raw_history"] = raw("/api/2.0/mlflow/metrics/get-history", run_id=run_id, metric_key="odd")

# 4. Metrics of a logged model: logged with model_id (again, and without it), through the fluent API.
with mlflow.start_run(experiment_id=experiment_id) as active:
    fluent_run = active.info.run_id
    mlflow.log_metric("loss", 1.0, step=0, timestamp=TS)
    model = mlflow.initialize_logged_model(name="tracked")
    mlflow.log_metric("loss", 0.5, step=1, timestamp=TS + 1, model_id=model.model_id)
    mlflow.log_metric("loss", 0.5, step=1, timestamp=TS + 1, model_id=model.model_id)
    mlflow.log_metric("loss", 0.5, step=1, timestamp=TS + 1)
    mlflow.log_metric("acc", float("nan"), step=1, timestamp=TS + 2, model_id=model.model_id)
    mlflow.log_metrics({"f1": 0.8, "auc": float("inf")}, step=2, timestamp=TS + 3, model_id=model.model_id)
    client.log_metric(fluent_run, "ds", 0.7, timestamp=TS + 4, step=3, dataset_name="eval", dataset_digest="abc", model_id=model.model_id)
logged = client.get_logged_model(model.model_id)
got["logged_model_metrics"] = sorted(
    [m.key, number(m.value), m.step, m.timestamp - TS, m.run_id == fluent_run, m.model_id == model.model_id, m.dataset_name, m.dataset_digest]
    for m in logged.metrics or []
)
got["fluent_loss_history"] = [[m.step, number(m.value), m.model_id] for m in client.get_metric_history(fluent_run, "loss")]
got["searched_logged_model_metrics"] = sorted(
    [m.key, number(m.value)] for found in client.search_logged_models(experiment_ids=[experiment_id], filter_string="name = 'tracked'") for m in found.metrics or []
)
got["kept_metrics"] = client.get_logged_model(kept.model_id).metrics
client.log_model_params(kept.model_id, {"alpha": "0.1", "layers": "3"})
client.log_model_params(kept.model_id, {"beta": "x"})
got["logged_model_params"] = sorted(client.get_logged_model(kept.model_id).params.items())

# 5. A multipart upload asked for: the server answers whether it has one, and the file lands either way.
big = os.path.join(out, "big.bin")
with open(big, "wb") as f:
    f.write(bytes(range(256)) * 4096)
os.environ["MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD"] = "true"
os.environ["MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE"] = "1024"
os.environ["MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE"] = str(256 * 1024)
client.log_artifact(run_id, big, "blobs")
back = client.download_artifacts(run_id, "blobs/big.bin", os.path.join(out, "back"))
with open(back, "rb") as f, open(big, "rb") as g:
    got["multipart_round_trip"] = f.read() == g.read()
got["multipart_listing"] = [[a.path, a.file_size] for a in client.list_artifacts(run_id, "blobs")]

print(json.dumps(got))
