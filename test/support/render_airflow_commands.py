"""Read an exported DAG file without importing Airflow: check that it parses (ast.parse), then
render each task's bash_command with Jinja as Airflow would (the same jinja2 and pendulum as
Airflow's venv), for a logical date given as ISO 8601 in argv[2]. Prints
{"dags": {dag_id: {"schedule", "timezone", "tasks": {task_id: command}, "edges": [[a, b]]}}}."""
import ast
import json
import sys

import jinja2
import pendulum

source = open(sys.argv[1], encoding="utf-8").read()
tree = ast.parse(source)
logical_date = pendulum.parse(sys.argv[2])
constants = {}
dags = {}
for node in tree.body:
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
        constants[node.targets[0].id] = ast.literal_eval(node.value)
    if not isinstance(node, ast.With):
        continue
    call = node.items[0].context_expr
    keywords = {k.arg: k.value for k in call.keywords}
    dag_id = ast.literal_eval(keywords["dag_id"])
    timezone = ast.literal_eval(keywords["start_date"].keywords[0].value)
    dag = {"schedule": ast.literal_eval(keywords["schedule"]), "timezone": timezone, "tasks": {}, "edges": []}
    variables = {}
    context = {"ds": logical_date.in_timezone("UTC").strftime("%Y-%m-%d"), "logical_date": logical_date,
               "dag": type("Dag", (), {"timezone": pendulum.timezone(timezone)})}
    for statement in node.body:
        value = statement.value
        if isinstance(statement, ast.Assign):
            task = {k.arg: k.value for k in value.keywords}
            task_id = ast.literal_eval(task["task_id"])
            command = task["bash_command"]
            template = constants[command.left.id] + ast.literal_eval(command.right)
            dag["tasks"][task_id] = jinja2.Template(template).render(**context)
            variables[statement.targets[0].id] = task_id
        else:
            dag["edges"].append([variables[value.left.id], variables[value.right.id]])
    dags[dag_id] = dag
print(json.dumps({"dags": dags}))
