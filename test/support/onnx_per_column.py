"""Build an ONNX model with one input per feature column, of three types, and score rows with Python's onnxruntime.

Reads {"out": path, "rows": {"conv_rate": [...], "acc_rate": [...], "trips": [...]}} on stdin. The
model: conv_rate FLOAT [N, 1], acc_rate DOUBLE [N], trips INT64 [N, 1], each cast to float and
concatenated, times fixed weights plus a bias: output `score` FLOAT [N, 1]. Prints {"score": [[...]]}.
"""
import json
import sys

import numpy as np
import onnx
import onnxruntime as rt
from onnx import TensorProto, helper, numpy_helper

job = json.load(sys.stdin)
nodes = [
    helper.make_node("Cast", ["acc_rate"], ["acc_f"], to=TensorProto.FLOAT),
    helper.make_node("Unsqueeze", ["acc_f", "axis1"], ["acc_col"]),
    helper.make_node("Cast", ["trips"], ["trips_f"], to=TensorProto.FLOAT),
    helper.make_node("Concat", ["conv_rate", "acc_col", "trips_f"], ["x"], axis=1),
    helper.make_node("MatMul", ["x", "w"], ["xw"]),
    helper.make_node("Add", ["xw", "b"], ["score"]),
]
graph = helper.make_graph(
    nodes,
    "per_column",
    [
        helper.make_tensor_value_info("conv_rate", TensorProto.FLOAT, [None, 1]),
        helper.make_tensor_value_info("acc_rate", TensorProto.DOUBLE, [None]),
        helper.make_tensor_value_info("trips", TensorProto.INT64, [None, 1]),
    ],
    [helper.make_tensor_value_info("score", TensorProto.FLOAT, [None, 1])],
    initializer=[
        numpy_helper.from_array(np.array([[0.7], [-1.3], [0.05]], dtype=np.float32), "w"),
        numpy_helper.from_array(np.array([0.25], dtype=np.float32), "b"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"),
    ],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.checker.check_model(model, full_check=True)
onnx.save(model, job["out"])

rows = job["rows"]
session = rt.InferenceSession(job["out"], providers=["CPUExecutionProvider"])
(score,) = session.run(
    None,
    {
        "conv_rate": np.asarray(rows["conv_rate"], dtype=np.float32).reshape(-1, 1),
        "acc_rate": np.asarray(rows["acc_rate"], dtype=np.float64),
        "trips": np.asarray(rows["trips"], dtype=np.int64).reshape(-1, 1),
    },
)
print(json.dumps({"score": [[float(v) for v in row] for row in score]}))
