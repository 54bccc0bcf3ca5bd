"""Log runs through the MLflow client as a training script does, against whatever
MLFLOW_TRACKING_URI names (Aquifer's server or a real `mlflow server`): per run, start_run,
log_params (3), log_metrics (3), log_metric with steps 0..2, set_tag, end_run. Prints one JSON
line: the seconds the logging took (the client's own clock, from the first call to the last),
and what search_runs reads back afterwards, so both servers can be checked to hold the same."""
import json
import sys
import time

import mlflow
from mlflow.tracking import MlflowClient

experiment, runs = sys.argv[1], int(sys.argv[2])
mlflow.set_experiment(experiment)
start = time.perf_counter()
for i in range(runs):
    with mlflow.start_run(run_name=f"run-{i}"):
        mlflow.log_params({"C": str(i), "penalty": "l2", "solver": "lbfgs"})
        mlflow.log_metrics({"acc": i / runs, "auc": 0.5 + i / (2 * runs), "f1": 0.25})
        for step in range(3):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.set_tag("bench", "tracking")
seconds = time.perf_counter() - start
client = MlflowClient()
found = client.search_runs([mlflow.get_experiment_by_name(experiment).experiment_id], max_results=10000)
summary = sorted(
    (r.data.tags.get("mlflow.runName"), r.info.status, r.data.params, r.data.metrics, [(m.step, m.value) for m in client.get_metric_history(r.info.run_id, "loss")])
    for r in found
)
print(json.dumps({"seconds": seconds, "runs": len(found), "summary": summary}, sort_keys=True))
