"""A training command as a user would write one: read the training set Aquifer hands over
(Parquet files and manifest.json in $AQUIFER_TRAINING_DIR), fit a logistic regression, and
write model.onnx (skl2onnx, ZipMap off: plain `label` and `probabilities` tensors) and
metrics.json to $AQUIFER_MODEL_DIR. `--fail` exits 3 after reading, `--constant` fits on all-zero
features (a model that predicts the majority class whatever it is given), `--mlflow` also logs
through MLflow (MLFLOW_TRACKING_URI and MLFLOW_RUN_ID come from `aquifer train`), and
`--mlflow-register NAME` logs the model through mlflow.onnx.log_model instead of writing it."""
import json
import os
import sys

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType

folder = os.environ["AQUIFER_TRAINING_DIR"]
out = os.environ["AQUIFER_MODEL_DIR"]
with open(os.path.join(folder, "manifest.json")) as f:
    manifest = json.load(f)
frame = pd.concat([pd.read_parquet(os.path.join(folder, p)) for p in manifest["files"]])
frame = frame.sort_values(manifest["entityColumns"])
X = frame[manifest["featureColumns"]].to_numpy(dtype=np.float32)
y = frame[manifest["label"]].to_numpy()
print(f"training on {len(frame)} rows, {X.shape[1]} features")
if "--fail" in sys.argv:
    print("giving up", file=sys.stderr)
    sys.exit(3)
# All-zero features leave nothing to learn but the intercept: a constant predictor with the same inputs.
model = LogisticRegression(C=float(os.environ.get("C", "1.0")), max_iter=500).fit(X * 0 if "--constant" in sys.argv else X, y)
accuracy = float(model.score(X, y))
onx = convert_sklearn(model, initial_types=[("features", FloatTensorType([None, X.shape[1]]))], options={id(model): {"zipmap": False}})
register = sys.argv[sys.argv.index("--mlflow-register") + 1] if "--mlflow-register" in sys.argv else None
if register is None:
    with open(os.path.join(out, "model.onnx"), "wb") as f:
        f.write(onx.SerializeToString())
with open(os.path.join(out, "metrics.json"), "w") as f:
    json.dump({"accuracy": accuracy, "loss": [1.0, 0.5, 0.25]}, f)
if "--mlflow" in sys.argv or register is not None:
    import mlflow

    # MLFLOW_RUN_ID from `aquifer train`: this continues Aquifer's run rather than starting another.
    with mlflow.start_run():
        mlflow.log_param("solver", "lbfgs")
        mlflow.log_metric("mlflow_accuracy", accuracy)
        if register is not None:
            mlflow.onnx.log_model(onx, name="model", registered_model_name=register)
print(json.dumps({"accuracy": accuracy}))
