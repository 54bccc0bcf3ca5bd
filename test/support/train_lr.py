"""A training command for `aquifer train`: LogisticRegression on the handed-over training set, saved as ONNX.

Reads the manifest (AQUIFER_TRAINING_MANIFEST) and Parquet files Aquifer hands over, fits on the
manifest's featureColumns (in that order) and label, writes $AQUIFER_MODEL_DIR/model.onnx (skl2onnx,
ZipMap off), and writes to $PREDICTIONS_OUT what Python's onnxruntime predicts for every row:
{"keys": [...first entity column...], "label": [...], "probabilities": [[...]]}.
"""
import json
import os

import numpy as np
import onnxruntime as rt
import pyarrow as pa
import pyarrow.parquet as pq
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.linear_model import LogisticRegression

folder = os.environ["AQUIFER_TRAINING_DIR"]
with open(os.environ["AQUIFER_TRAINING_MANIFEST"]) as f:
    manifest = json.load(f)
table = pa.concat_tables([pq.read_table(os.path.join(folder, name)) for name in manifest["files"]])
columns = manifest["featureColumns"]
X = np.column_stack([table[c].to_numpy().astype(np.float32) for c in columns])
y = table[manifest["label"]].to_numpy()
model = LogisticRegression().fit(X, y)
onx = convert_sklearn(model, initial_types=[("float_input", FloatTensorType([None, len(columns)]))], options={id(model): {"zipmap": False}})
out = os.path.join(os.environ["AQUIFER_MODEL_DIR"], "model.onnx")
with open(out, "wb") as f:
    f.write(onx.SerializeToString())

session = rt.InferenceSession(out, providers=["CPUExecutionProvider"])
label, probabilities = session.run(None, {"float_input": X})
key = manifest["entityColumns"][0]
with open(os.environ["PREDICTIONS_OUT"], "w") as f:
    json.dump(
        {
            "keys": [int(k) for k in table[key].to_pylist()],
            "label": [int(v) for v in label],
            "probabilities": [[float(p) for p in row] for row in probabilities],
        },
        f,
    )
