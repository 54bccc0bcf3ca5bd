import { describe, expect, it } from 'vitest';
import { graphRun, LineageGraph, toRunEvent, type GraphRun, type GraphState, type OpenLineageRunEvent } from '../../../src/lineage/index.js';
import type { DatasetRef } from '../../../src/observe/index.js';
import { pipelineEvents } from './pipeline-fixture.js';

const completed = (events: readonly OpenLineageRunEvent[]): GraphRun[] => events.filter((e) => e.eventType === 'COMPLETE').map(graphRun);

/** A graph saved and made again through text, as a snapshot file carries it. */
function roundTrip(graph: LineageGraph): LineageGraph {
  const { state, runs } = graph.save();
  return LineageGraph.restore(JSON.parse(JSON.stringify(state)) as GraphState, Buffer.from(Buffer.from(runs).toString('utf8')));
}

const QUESTIONS: [string, (g: LineageGraph) => unknown][] = [
  ['upstream model', (g) => g.upstream('model:churn@1')],
  ['upstream table version', (g) => g.upstream('trips@4')],
  ['upstream table', (g) => g.upstream('trips')],
  ['downstream file', (g) => g.downstream('/data/b.csv')],
  ['downstream stream', (g) => g.downstream('kafka:trips:0:0-99')],
  ['downstream table', (g) => g.downstream('trips@2')],
  ['downstream column', (g) => g.downstream('trips.fare')],
  ['impact', (g) => g.impact('trips.fare')],
  // In an order that does not depend on how the graph grew (extending adds edges in another order than building at once).
  ['nodes', (g) => [...g.nodes].sort((a, b) => (a.id < b.id ? -1 : 1))],
  ['edges', (g) => [...g.edges].map((e) => JSON.stringify(e)).sort()],
  ['tables', (g) => g.tables.map((t) => ({ ...t, versions: [...t.versions].sort((a, b) => a[0] - b[0]) }))],
  ['a run', (g) => g.run(g.nodes.find((n) => n.type === 'run' && n.name === 'models.train.churn')?.id ?? '')],
];

/** Each question's answer, or the error's code: a graph that cannot answer yet must fail the same way. */
function answers(graph: LineageGraph): [string, unknown][] {
  return QUESTIONS.map(([name, ask]) => {
    try {
      return [name, ask(graph)];
    } catch (error) {
      return [name, (error as { code?: string }).code ?? String(error)];
    }
  });
}

function tableRun(runId: string, name: string, version: number, parent?: string): GraphRun {
  const output: DatasetRef = { namespace: 'file', name, kind: 'table', version: String(version), versions: [version], operation: 'WRITE' };
  const time = new Date(Date.parse('2026-02-01T00:00:00Z') + version * 1000);
  const run = graphRun(
    toRunEvent(
      { runId, job: { name: 'table.write.x', type: 'WRITE' }, startedAt: time, time, state: 'COMPLETE', inputs: [], outputs: [output] },
      { namespace: 'demo' },
    ),
  );
  return parent === undefined ? run : { ...run, parent };
}

describe('LineageGraph.save and restore', () => {
  it('give back the same graph, in the same order, whose save is the same again', () => {
    const graph = LineageGraph.fromRuns(completed(pipelineEvents()));
    const restored = roundTrip(graph);
    expect(answers(restored)).toEqual(answers(graph));
    expect(restored.save()).toEqual(graph.save());
    // Its runs were parsed for the questions above; a graph restored and saved untouched keeps their text.
    expect(roundTrip(roundTrip(graph)).save()).toEqual(graph.save());
  });

  it('give a graph that, extended by the runs after it, equals the graph of all the runs, wherever the history is cut', () => {
    const runs = completed(pipelineEvents());
    const whole = LineageGraph.fromRuns(runs);
    for (let cut = 0; cut <= runs.length; cut++) {
      const restored = roundTrip(LineageGraph.fromRuns(runs.slice(0, cut)));
      restored.extend(runs.slice(cut));
      expect(answers(restored), `cut at ${cut}`).toEqual(answers(whole));
    }
  });

  it('keep restoring and extending in turns, its runs unparsed, and still equal the graph of all the runs', () => {
    const runs = completed(pipelineEvents());
    let graph = LineageGraph.fromRuns([]);
    const grown = LineageGraph.fromRuns([]);
    for (const run of runs) {
      graph = roundTrip(graph);
      graph.extend([run]);
      grown.extend([run]);
    }
    expect(answers(graph)).toEqual(answers(LineageGraph.fromRuns(runs)));
    // Exactly the graph extended the same way in one process, down to the order of its parts.
    expect(graph.save()).toEqual(grown.save());
  });

  it('restore a graph that, extended, chains a version seen late, parents a run whose parent completes after it, and renames a table', () => {
    const first = [
      tableRun('00000000-0000-4000-8000-000000000001', '/p/tables/t', 1),
      tableRun('00000000-0000-4000-8000-000000000002', '/p/tables/t', 2, '00000000-0000-4000-8000-000000000009'),
      tableRun('00000000-0000-4000-8000-000000000003', '/p/tables/t', 4),
    ];
    const later = [tableRun('00000000-0000-4000-8000-000000000004', '/p/tables/t', 3), tableRun('00000000-0000-4000-8000-000000000009', '/p/tables/u', 0)];
    const renaming = [tableRun('00000000-0000-4000-8000-000000000005', '/q/tables/t', 0)];
    const restored = roundTrip(LineageGraph.fromRuns(first));
    restored.extend(later);
    expect(restored.edge('table:t@3', 'table:t@4')).toBeDefined();
    expect(restored.edge('table:t@2', 'table:t@4')).toBeUndefined();
    expect(restored.edge('run:00000000-0000-4000-8000-000000000009', 'run:00000000-0000-4000-8000-000000000002')).toBeDefined();
    const again = roundTrip(restored);
    again.extend(renaming);
    expect(again.node('table:/p/tables/t@3')).toBeDefined();
    const grown = LineageGraph.fromRuns(first);
    grown.extend(later);
    grown.extend(renaming);
    expect(again.save()).toEqual(grown.save());
  });

  it('refuses a state whose parts do not fit together', () => {
    const { state, runs } = LineageGraph.fromRuns(completed(pipelineEvents())).save();
    const list = (numbers: ArrayLike<number>) => Array.from(numbers);
    const broken: GraphState[] = [
      { ...state, edgeTo: list(state.edgeTo).map((to) => to + state.outDegree.length) },
      { ...state, outDegree: list(state.outDegree).slice(1) },
      { ...state, inEdges: list(state.inEdges).slice(1) },
      { ...state, runNodes: list(state.runNodes).slice(0, -1) },
      { ...state, nodes: list(state.nodes).slice(0, -1) },
      { ...state, values: state.values.slice(0, -1) },
    ];
    for (const s of broken) expect(() => LineageGraph.restore(s, runs)).toThrow();
  });
});
