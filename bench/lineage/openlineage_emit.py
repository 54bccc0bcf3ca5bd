"""The peer: openlineage-python's client emitting run events to a file (FileTransport, append mode).

Usage: python openlineage_emit.py EVENTS.jsonl OUT.jsonl
Reads the run events Aquifer produced (one JSON per line), parses them into the client's RunEvent classes, then emits them all as its users
call `client.emit` and prints {"ms": ..., "events": ...}: the emitting alone is timed.
"""

import json
import os
import sys
import time

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.transport.file import FileConfig, FileTransport


def run_event(d: dict) -> RunEvent:
    """The event in the client's classes; facets stay the dicts they were, as Serde writes them back."""
    return RunEvent(
        eventType=RunState(d["eventType"]),
        eventTime=d["eventTime"],
        run=Run(runId=d["run"]["runId"], facets=d["run"].get("facets", {})),
        job=Job(namespace=d["job"]["namespace"], name=d["job"]["name"], facets=d["job"].get("facets", {})),
        producer=d["producer"],
        inputs=[
            InputDataset(namespace=i["namespace"], name=i["name"], facets=i.get("facets", {}), inputFacets=i.get("inputFacets", {}))
            for i in d.get("inputs", [])
        ],
        outputs=[
            OutputDataset(namespace=o["namespace"], name=o["name"], facets=o.get("facets", {}), outputFacets=o.get("outputFacets", {}))
            for o in d.get("outputs", [])
        ],
    )


def main() -> None:
    source, out = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as f:
        events = [run_event(json.loads(line)) for line in f if line.strip()]
    if os.path.exists(out):
        os.remove(out)
    client = OpenLineageClient(transport=FileTransport(FileConfig(log_file_path=out, append=True)))
    start = time.perf_counter()
    for event in events:
        client.emit(event)
    ms = (time.perf_counter() - start) * 1000
    print(json.dumps({"ms": ms, "events": len(events)}))


main()
