"""Call aquifer serve's Open Inference Protocol routes with Triton's own HTTP client (tritonclient[http]).

Reads a JSON job on stdin:
  {"url": "127.0.0.1:PORT", "token": "...",
   "lr": {"model": NAME, "onnx": PATH, "X": [[...]]},
   "per_column": {"model": NAME, "onnx": PATH, "rows": {"conv_rate": [...], "acc_rate": [...], "trips": [...]}}}
and prints one JSON object: for each call, whether every output equals what Python's
onnxruntime gives on the same inputs, and what the server answered where it refuses.
"""
import json
import sys

import numpy as np
import onnxruntime as rt
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

job = json.load(sys.stdin)
client = httpclient.InferenceServerClient(url=job["url"], verbose=job.get("verbose", False))


def auth():
    """A fresh headers dict per call: the client adds Inference-Header-Content-Length to the one it is given."""
    return {"Authorization": f"Bearer {job['token']}"}


report = {}


def reference(onnx_path, feeds):
    session = rt.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, feeds)))


def same(got, want):
    """Same shape and dtype, values equal (floats within 1e-6: two builds of ONNX Runtime)."""
    if got is None or got.shape != want.shape or got.dtype != want.dtype:
        return f"got {None if got is None else (got.shape, got.dtype)}, want {(want.shape, want.dtype)}"
    if np.issubdtype(want.dtype, np.floating):
        return bool(np.allclose(got, want, rtol=0, atol=1e-6))
    return bool(np.array_equal(got, want))


def compare(result, want, names):
    return {name: same(result.as_numpy(name), want[name]) for name in names}


report["server"] = client.get_server_metadata(headers=auth())

# A [N, 3] FP32 input, its outputs (INT64 label, FP32 probabilities) as binary data and as JSON.
lr = job["lr"]
X = np.asarray(lr["X"], dtype=np.float32)
want = reference(lr["onnx"], {"float_input": X})
for inputs_binary in (True, False):
    for outputs_binary in (True, False):
        tensor = httpclient.InferInput("float_input", list(X.shape), "FP32")
        tensor.set_data_from_numpy(X, binary_data=inputs_binary)
        outputs = [httpclient.InferRequestedOutput(name, binary_data=outputs_binary) for name in ("label", "probabilities")]
        result = client.infer(lr["model"], [tensor], outputs=outputs, headers=auth(), request_id="r-1")
        key = f"lr inputs {'binary' if inputs_binary else 'json'}, outputs {'binary' if outputs_binary else 'json'}"
        answer = result.get_response()
        report[key] = {
            "equal": compare(result, want, ["label", "probabilities"]),
            "id": answer.get("id"),
            "model_version": answer.get("model_version"),
            "binary_sizes": [o.get("parameters", {}).get("binary_data_size") for o in answer["outputs"]],
        }

# No outputs named: the client asks for every output as binary data (binary_data_output), by version.
tensor = httpclient.InferInput("float_input", list(X.shape), "FP32")
tensor.set_data_from_numpy(X, binary_data=True)
result = client.infer(lr["model"], [tensor], model_version="1", headers=auth())
report["lr all outputs, version 1"] = {"equal": compare(result, want, ["label", "probabilities"]), "names": [o["name"] for o in result.get_response()["outputs"]]}

# One input per column, of three datatypes (FP32 [N, 1], FP64 [N], INT64 [N, 1]), all binary.
pc = job["per_column"]
rows = pc["rows"]
feeds = {
    "conv_rate": np.asarray(rows["conv_rate"], dtype=np.float32).reshape(-1, 1),
    "acc_rate": np.asarray(rows["acc_rate"], dtype=np.float64),
    "trips": np.asarray(rows["trips"], dtype=np.int64).reshape(-1, 1),
}
want_pc = reference(pc["onnx"], feeds)
datatypes = {"conv_rate": "FP32", "acc_rate": "FP64", "trips": "INT64"}
inputs = []
for name, values in feeds.items():
    tensor = httpclient.InferInput(name, list(values.shape), datatypes[name])
    tensor.set_data_from_numpy(values, binary_data=True)
    inputs.append(tensor)
result = client.infer(pc["model"], inputs, outputs=[httpclient.InferRequestedOutput("score", binary_data=True)], headers=auth())
report["per column binary"] = {"equal": compare(result, want_pc, ["score"])}


def refused(call):
    try:
        call()
        return {"status": None}
    except InferenceServerException as error:
        return {"status": error.status(), "message": error.message()}


# The server's refusals reach the client as the protocol's error: its status and message.
wrong = httpclient.InferInput("float_input", list(X.shape), "FP64")
wrong.set_data_from_numpy(X.astype(np.float64), binary_data=True)
report["wrong datatype"] = refused(lambda: client.infer(lr["model"], [wrong], headers=auth()))
report["unknown model"] = refused(lambda: client.infer("nobody", [wrong], headers=auth()))
report["no token"] = refused(lambda: client.get_server_metadata())

print(json.dumps(report))
