"""Train a scikit-learn LogisticRegression, export it to ONNX and predict with Python's onnxruntime.

Reads a JSON job on stdin: {"X": [[...]], "y": [...], "eval": [[...]], "out": "model.onnx",
"zipmap": false, "input": "float_input"}; writes the ONNX file and prints
{"label": [...], "probabilities": [[...]]} for the eval rows, as onnxruntime computes them.
"""
import json
import sys

import numpy as np
import onnxruntime as rt
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.linear_model import LogisticRegression

job = json.load(sys.stdin)
X = np.asarray(job["X"], dtype=np.float32)
y = np.asarray(job["y"])
model = LogisticRegression().fit(X, y)
name = job.get("input", "float_input")
options = {} if job.get("zipmap", False) else {id(model): {"zipmap": False}}
onx = convert_sklearn(model, initial_types=[(name, FloatTensorType([None, X.shape[1]]))], options=options)
with open(job["out"], "wb") as f:
    f.write(onx.SerializeToString())

session = rt.InferenceSession(job["out"], providers=["CPUExecutionProvider"])
outputs = [o.name for o in session.get_outputs()]
result = session.run(None, {name: np.asarray(job["eval"], dtype=np.float32)})
answer = {"outputs": outputs, "label": [int(v) for v in result[0]]}
if not job.get("zipmap", False):
    answer["probabilities"] = [[float(p) for p in row] for row in result[1]]
print(json.dumps(answer))
