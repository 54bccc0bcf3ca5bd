import { describe, expect, it } from 'vitest';
import { graphRun, LineageGraph, toRunEvent, type GraphRun, type OpenLineageRunEvent } from '../../../src/lineage/index.js';
import type { DatasetRef } from '../../../src/observe/index.js';
import { pipelineEvents } from './pipeline-fixture.js';

/** A graph's whole content, in an order that does not depend on how it was built. */
function contents(graph: LineageGraph) {
  const key = (e: { from: string; to: string }) => `${e.from}\n${e.to}`;
  return {
    nodes: [...graph.nodes].sort((a, b) => (a.id < b.id ? -1 : 1)),
    edges: [...graph.edges].sort((a, b) => (key(a) < key(b) ? -1 : 1)),
    tables: graph.tables.map((t) => ({ ...t, versions: [...t.versions].sort((a, b) => a[0] - b[0]) })).sort((a, b) => (a.name < b.name ? -1 : 1)),
    fields: graph.nodes.map((n) => [n.id, [...(graph.fields(n.id) ?? [])].sort()]).sort(),
  };
}

const QUESTIONS: [string, (g: LineageGraph) => unknown][] = [
  ['upstream model', (g) => g.upstream('model:churn@1')],
  ['upstream table version', (g) => g.upstream('trips@4')],
  ['downstream file', (g) => g.downstream('/data/b.csv')],
  ['downstream stream', (g) => g.downstream('kafka:trips:0:0-99')],
  ['downstream column', (g) => g.downstream('trips.fare')],
  ['impact', (g) => g.impact('trips.fare')],
];

const completed = (events: readonly OpenLineageRunEvent[]): GraphRun[] => events.filter((e) => e.eventType === 'COMPLETE').map(graphRun);

function tableRun(runId: string, name: string, version: number, operation = 'WRITE'): GraphRun {
  const output: DatasetRef = { namespace: 'file', name, kind: 'table', version: String(version), versions: [version], operation };
  const time = new Date(Date.parse('2026-02-01T00:00:00Z') + version * 1000);
  return graphRun(
    toRunEvent(
      { runId, job: { name: 'table.write.x', type: 'WRITE' }, startedAt: time, time, state: 'COMPLETE', inputs: [], outputs: [output] },
      { namespace: 'demo' },
    ),
  );
}

describe('graphRun and LineageGraph.fromRuns', () => {
  it('build the same graph, and the same answers, as the whole events of the pipeline', () => {
    const events = pipelineEvents();
    // Through JSON, as the lineage log's graph column keeps them.
    const runs = JSON.parse(JSON.stringify(completed(events))) as GraphRun[];
    const fromEvents = LineageGraph.fromEvents(events);
    const fromRuns = LineageGraph.fromRuns(runs);
    expect(contents(fromRuns)).toEqual(contents(fromEvents));
    for (const [name, ask] of QUESTIONS) expect(ask(fromRuns), name).toEqual(ask(fromEvents));
  });

  it('make a graph that, extended one run at a time, equals the graph built at once', () => {
    const runs = completed(pipelineEvents());
    const grown = LineageGraph.fromRuns([]);
    for (const run of runs) grown.extend([run]);
    const whole = LineageGraph.fromRuns(runs);
    expect(contents(grown)).toEqual(contents(whole));
    for (const [name, ask] of QUESTIONS) expect(ask(grown), name).toEqual(ask(whole));
  });

  it('chain a table version seen late between the versions around it, and parent a run whose parent completes after it', () => {
    const child = { ...tableRun('00000000-0000-4000-8000-000000000002', '/p/tables/t', 2), parent: '00000000-0000-4000-8000-000000000009' };
    const first = [
      tableRun('00000000-0000-4000-8000-000000000001', '/p/tables/t', 1),
      child,
      tableRun('00000000-0000-4000-8000-000000000003', '/p/tables/t', 4),
    ];
    const later = [tableRun('00000000-0000-4000-8000-000000000004', '/p/tables/t', 3), tableRun('00000000-0000-4000-8000-000000000009', '/p/tables/u', 0)];
    const grown = LineageGraph.fromRuns(first);
    expect(grown.edge('table:t@2', 'table:t@4')).toBeDefined();
    grown.extend(later);
    expect(grown.edge('table:t@2', 'table:t@4')).toBeUndefined();
    expect(grown.edge('table:t@3', 'table:t@4')).toBeDefined();
    expect(grown.edge('run:00000000-0000-4000-8000-000000000009', 'run:00000000-0000-4000-8000-000000000002')).toBeDefined();
    expect(contents(grown)).toEqual(contents(LineageGraph.fromRuns([...first, ...later])));
  });

  it('rename the nodes of a table when a table added later shares its short name', () => {
    const first = [tableRun('00000000-0000-4000-8000-000000000001', '/p/tables/t', 0)];
    const later = [tableRun('00000000-0000-4000-8000-000000000002', '/q/tables/t', 0)];
    const grown = LineageGraph.fromRuns(first);
    expect(grown.node('table:t@0')).toBeDefined();
    grown.extend(later);
    expect(grown.node('table:t@0')).toBeUndefined();
    expect(grown.node('table:/p/tables/t@0')).toBeDefined();
    expect(contents(grown)).toEqual(contents(LineageGraph.fromRuns([...first, ...later])));
  });
});
