import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { LineageGraph, toRunEvent, type OpenLineageRunEvent } from '../../../src/lineage/index.js';
import { onJobRun, withJobRun } from '../../../src/observe/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tempDir } from '../../support/temp.js';

describe('LineageGraph from real table commits', () => {
  it('pins a model to the table version it read: upstream holds the files loaded up to it, downstream of a later file misses the model', async () => {
    const engine = await Engine.create({ threads: 1 });
    const dir = await tempDir('aquifer-lineage-commits-');
    const events: OpenLineageRunEvent[] = [];
    const stop = onJobRun((event) => events.push(toRunEvent(event, { namespace: 'test' })));
    try {
      const { table } = await DeltaTable.create(`${dir}/trips`, { engine, data: { sql: 'SELECT 1::BIGINT AS id, 10.0::DOUBLE AS fare' } });
      const load = (file: string, id: number) =>
        withJobRun({ name: 'ingest.trips', type: 'INGEST' }, async (run) => {
          run.input({ namespace: 'file', name: file, kind: 'file', file: { size: 10, sha256: 'ab'.repeat(32) } });
          await table.append({ sql: `SELECT ${id}::BIGINT AS id, ${id * 10}.0::DOUBLE AS fare` });
        });
      await load('/data/a.csv', 2);
      await load('/data/b.csv', 3);
      await withJobRun({ name: 'models.train.m', type: 'TRAIN' }, async (run) => {
        await engine.queryJson(`SELECT count(*) FROM (${await (await table.scan({ version: 1 })).sql()})`);
        run.output({ namespace: 'aquifer://test', name: 'models/m', kind: 'model', version: '1' });
      });
      // The create ran outside any run: its own run completes a moment after the commit.
      await new Promise((resolve) => setImmediate(resolve));
      const graph = LineageGraph.fromEvents(events);
      const upstream = graph.upstream('model:m@1');
      expect(upstream.nodes.filter((n) => n.type === 'table').map((n) => n.id)).toEqual(['table:trips@0', 'table:trips@1']);
      expect(upstream.nodes.filter((n) => n.type === 'file').map((n) => n.path)).toEqual(['/data/a.csv']);
      expect(graph.downstream('/data/b.csv').nodes.map((n) => n.id)).not.toContain('model:m@1');
      expect(graph.downstream('/data/a.csv').nodes.map((n) => n.id)).toContain('model:m@1');
      expect(graph.impact('trips.fare').nodes.map((n) => n.id)).toContain('model:m@1');
    } finally {
      stop();
      engine.close();
    }
  });

  it('does not chain a whole-table overwrite to the version before it, and chains a partition overwrite', async () => {
    const engine = await Engine.create({ threads: 1 });
    const dir = await tempDir('aquifer-lineage-overwrite-');
    const events: OpenLineageRunEvent[] = [];
    const stop = onJobRun((event) => events.push(toRunEvent(event, { namespace: 'test' })));
    try {
      const load = (file: string, work: () => Promise<unknown>) =>
        withJobRun({ name: 'ingest.trips', type: 'INGEST' }, async (run) => {
          run.input({ namespace: 'file', name: file, kind: 'file', file: { size: 10, sha256: 'ab'.repeat(32) } });
          await work();
        });
      let table!: DeltaTable;
      await load('/data/first.csv', async () => {
        ({ table } = await DeltaTable.create(`${dir}/trips`, {
          engine,
          data: { sql: `SELECT 1::BIGINT AS id, 'a' AS day` },
          partitionColumns: ['day'],
        }));
      });
      await load('/data/replacement.csv', () => table.overwrite({ sql: `SELECT 2::BIGINT AS id, 'a' AS day` }));
      await load('/data/day-b.csv', () => table.overwrite({ sql: `SELECT 3::BIGINT AS id, 'b' AS day` }, { where: `day = 'b'` }));
      const graph = LineageGraph.fromEvents(events);
      const files = (node: string) =>
        graph
          .upstream(node)
          .nodes.filter((n) => n.type === 'file')
          .map((n) => n.path)
          .sort();
      expect(files('trips@1')).toEqual(['/data/replacement.csv']);
      expect(files('trips@2')).toEqual(['/data/day-b.csv', '/data/replacement.csv']);
      expect(events.find((e) => e.outputs?.[0]?.facets?.['aquifer_tableVersions']?.['mode'] === 'Overwrite')?.run.runId).toBeDefined();
    } finally {
      stop();
      engine.close();
    }
  });
});
