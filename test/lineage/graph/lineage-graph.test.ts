import { describe, expect, it } from 'vitest';
import { AquiferError } from '../../../src/errors.js';
import { LineageGraph, renderDot, renderSvg, renderTree, type LineageResult } from '../../../src/lineage/index.js';
import { pipelineEvents } from './pipeline-fixture.js';

const graph = () => LineageGraph.fromEvents(pipelineEvents());
const ids = (result: LineageResult, type?: string) => result.nodes.filter((n) => type === undefined || n.type === type).map((n) => n.id);
const code = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return error instanceof AquiferError ? error.code : String(error);
  }
  return 'no error';
};

describe('LineageGraph', () => {
  it('leaves out failed runs and what they would have written', () => {
    const g = graph();
    expect(g.node('table:trips@6')).toBeUndefined();
    expect(g.nodes.some((n) => n.path === '/data/bad.csv')).toBe(false);
  });

  it('chains table versions, each feeding the next', () => {
    const g = graph();
    for (const v of [1, 2, 3, 4]) expect(g.successors(`table:trips@${v}`)).toContain(`table:trips@${v + 1}`);
    expect(g.predecessors('table:trips@1')).toEqual(['run:00000000-0000-4000-8000-001767225600']);
  });

  it('does not chain a version that replaced the table', () => {
    const events = pipelineEvents().map((e) =>
      e.eventType === 'COMPLETE' && e.job.name === 'table.merge.trips'
        ? {
            ...e,
            outputs: e.outputs.map((o) => ({
              ...o,
              facets: { ...o.facets, aquifer_tableVersions: { ...o.facets?.['aquifer_tableVersions'], operation: 'CREATE OR REPLACE TABLE' } },
            })),
          }
        : e,
    ) as ReturnType<typeof pipelineEvents>;
    const g = LineageGraph.fromEvents(events);
    expect(g.successors('table:trips@3')).not.toContain('table:trips@4');
    expect(g.successors('table:trips@4')).toContain('table:trips@5');
  });

  it('gives a run that wrote several versions an edge to each', () => {
    const events = pipelineEvents().map((e) =>
      e.eventType === 'COMPLETE' && e.job.name === 'ingest.kafka.trips.trips'
        ? {
            ...e,
            outputs: e.outputs.map((o) => ({
              ...o,
              facets: { ...o.facets, aquifer_tableVersions: { ...o.facets?.['aquifer_tableVersions'], versions: [3, 4] } },
            })),
          }
        : e,
    ) as ReturnType<typeof pipelineEvents>;
    const g = LineageGraph.fromEvents(events);
    const kafkaRun = g.predecessors('table:trips@3').find((id) => id.startsWith('run:')) as string;
    expect(g.successors(kafkaRun)).toEqual(['table:trips@3', 'table:trips@4']);
  });

  it('keeps source files with path, size and digest, and stream ranges per partition', () => {
    const g = graph();
    const a = g.nodes.find((n) => n.path === '/data/a.csv');
    expect(a).toMatchObject({ type: 'file', name: 'a.csv', size: 101, sha256: 'a'.repeat(64) });
    expect(g.node('kafka:trips:0:0-99')).toMatchObject({
      type: 'stream',
      name: 'trips',
      partition: '0',
      from: '0',
      to: '99',
      namespace: 'kafka://localhost:9092',
    });
  });
});

describe('upstream', () => {
  it('of the model reaches exactly the files and offsets loaded at or before the pinned trips v4', () => {
    const result = graph().upstream('model:churn@1');
    expect(ids(result, 'file')).toEqual(['file:/data/a.csv#aaaaaaaaaaaa', 'file:/data/b.csv#bbbbbbbbbbbb', 'file:/data/fix.csv#ffffffffffff']);
    expect(ids(result, 'stream')).toEqual(['kafka:trips:0:0-99', 'kafka:trips:1:0-49']);
    expect(ids(result, 'table')).toEqual(['table:fixes@1', 'table:trips@1', 'table:trips@2', 'table:trips@3', 'table:trips@4']);
    expect(ids(result, 'training-set')).toEqual(['training-set:driver_training@1']);
    expect(ids(result, 'feature-view')).toEqual(['feature-view:trip_stats']);
    expect(ids(result).filter((id) => id.includes('c.csv') || id.includes('@5'))).toEqual([]);
    expect(result.edges).toContainEqual({ from: 'table:trips@3', to: 'table:trips@4' });
    expect(result.edges).toContainEqual(expect.objectContaining({ from: 'training-set:driver_training@1', job: 'models.train.churn' }));
  });

  it('of a table version holds only what was loaded at or before it', () => {
    const result = graph().upstream('trips@2');
    expect(ids(result, 'file')).toEqual(['file:/data/a.csv#aaaaaaaaaaaa', 'file:/data/b.csv#bbbbbbbbbbbb']);
    expect(ids(result, 'stream')).toEqual([]);
  });

  it('of a table name is that of its latest version', () => {
    expect(ids(graph().upstream('trips'), 'file')).toContain('file:/data/c.csv#cccccccccccc');
  });

  it('of a training set without a version is that of its latest', () => {
    expect(graph().upstream('training-set:driver_training')).toEqual(graph().upstream('training-set:driver_training@1'));
  });

  it('refuses unknown nodes and malformed names with typed errors', () => {
    const g = graph();
    expect(code(() => g.upstream('model:churn@9'))).toBe('LINEAGE_NODE_NOT_FOUND');
    expect(code(() => g.upstream('model:nope'))).toBe('LINEAGE_NODE_NOT_FOUND');
    expect(code(() => g.upstream('nope'))).toBe('LINEAGE_NODE_NOT_FOUND');
    expect(code(() => g.upstream('trips@9'))).toBe('LINEAGE_NODE_NOT_FOUND');
    expect(code(() => g.upstream('trips@x'))).toBe('LINEAGE_NODE_INVALID');
    expect(code(() => g.upstream('model:'))).toBe('LINEAGE_NODE_INVALID');
  });
});

describe('downstream', () => {
  it('of the v2 file reaches v2 to v5, the training set, the model version and the predictions', () => {
    const result = graph().downstream('/data/b.csv');
    expect(ids(result, 'table')).toEqual(['table:trips@2', 'table:trips@3', 'table:trips@4', 'table:trips@5']);
    expect(ids(result, 'training-set')).toEqual(['training-set:driver_training@1']);
    expect(ids(result, 'model')).toEqual(['model:churn@1']);
    expect(ids(result, 'predictions')).toEqual(['table:churn__predictions@1']);
    expect(ids(result, 'suite')).toEqual(['suite:trips_suite']);
    expect(ids(result)).not.toContain('table:trips@1');
    expect(ids(result)).not.toContain('table:fixes@1');
  });

  it('of a topic offset range reaches the version it was loaded into and what followed', () => {
    const g = graph();
    expect(ids(g.downstream('kafka:trips:1:10-20'), 'table')).toEqual(['table:trips@3', 'table:trips@4', 'table:trips@5']);
    expect(ids(g.downstream('kafka:trips'), 'stream')).toEqual(['kafka:trips:0:0-99', 'kafka:trips:1:0-49']);
    expect(code(() => g.downstream('kafka:trips:0:100-200'))).toBe('LINEAGE_NODE_NOT_FOUND');
    expect(code(() => g.downstream('kafka:trips:0:x'))).toBe('LINEAGE_NODE_INVALID');
  });

  it('of a table version starts at that version', () => {
    expect(ids(graph().downstream('trips@4'), 'table')).toEqual(['table:trips@4', 'table:trips@5']);
  });

  it('of a column follows column lineage: fare reaches the feature view and what it fed, not the unrelated distance path', () => {
    const result = graph().downstream('fixes.fare');
    expect(ids(result, 'table')).toEqual(['table:fixes@1', 'table:trips@4', 'table:trips@5']);
    expect(ids(result, 'feature-view')).toEqual(['feature-view:trip_stats']);
    expect(ids(result, 'model')).toEqual(['model:churn@1']);
  });

  it('refuses a file no run loaded', () => {
    expect(code(() => graph().downstream('/data/nowhere.csv'))).toBe('LINEAGE_NODE_NOT_FOUND');
  });
});

describe('impact', () => {
  it('of trips.fare names the feature view, training set, model and suite that read it', () => {
    const result = graph().impact('trips.fare');
    const impacted = result.nodes.filter((n) => ['feature-view', 'training-set', 'suite', 'model'].includes(n.type)).map((n) => n.id);
    expect(impacted).toEqual(['feature-view:trip_stats', 'model:churn@1', 'suite:trips_suite', 'training-set:driver_training@1']);
    expect(ids(result)).not.toContain('online-store:trip_stats');
  });

  it('of trips.distance passes the feature view and the suite by, which do not read it', () => {
    const impacted = graph()
      .impact('trips.distance')
      .nodes.filter((n) => ['feature-view', 'training-set', 'suite', 'model'].includes(n.type))
      .map((n) => n.id);
    expect(impacted).toEqual(['model:churn@1', 'training-set:driver_training@1']);
  });

  it('refuses a column the table never had', () => {
    expect(code(() => graph().impact('trips.nope'))).toBe('LINEAGE_NODE_NOT_FOUND');
  });
});

describe('renderers', () => {
  it('prints the upstream of a model as a tree with versions, repeats marked', () => {
    const tree = renderTree(graph().upstream('model:churn@1'), 'upstream');
    const lines = tree.split('\n');
    expect(lines[0]).toBe('model churn@1');
    expect(tree).toContain('table trips@4');
    expect(tree).toContain('file a.csv (/data/a.csv, 101 B, sha256 aaaaaaaaaaaa)');
    expect(tree).toContain('stream trips partition 0 offsets 0-99');
    expect(tree).toContain('(above)');
    expect(renderTree(graph().upstream('model:churn@1'), 'upstream')).toBe(tree);
  });

  it('writes DOT with every node and edge, the same bytes each time', () => {
    const result = graph().upstream('trips@2');
    const dot = renderDot(result);
    expect(dot.startsWith('digraph lineage {')).toBe(true);
    for (const node of result.nodes) expect(dot).toContain(`"${node.id}" [label=`);
    expect(dot).toContain('"table:trips@1" -> "table:trips@2" [style=dashed];');
    expect(renderDot(graph().upstream('trips@2'))).toBe(dot);
  });

  it('renders SVG from the DOT without a system Graphviz', async () => {
    const svg = await renderSvg(graph().upstream('trips@2'));
    expect(svg).toContain('<svg');
    expect(svg).toContain('trips@2');
  });
});
