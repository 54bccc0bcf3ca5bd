"""scikit-learn's metrics for the model quality parity test: a JSON list of cases on stdin
({"kind": "binary"|"macro"|"regression", "p": [...], "y": [...]}), their metrics on stdout."""
import json
import math
import sys

from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error, mean_squared_error, precision_score, recall_score

answers = []
for case in json.load(sys.stdin):
    p, y = case["p"], case["y"]
    if case["kind"] == "regression":
        answers.append({"rmse": math.sqrt(mean_squared_error(y, p)), "mae": mean_absolute_error(y, p)})
    else:
        average = case["kind"]
        answers.append(
            {
                "accuracy": accuracy_score(y, p),
                "precision": precision_score(y, p, average=average),
                "recall": recall_score(y, p, average=average),
                "f1": f1_score(y, p, average=average),
            }
        )
json.dump(answers, sys.stdout)
