import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { onJobRun, withJobRun, withoutJobRuns, type JobRunEvent } from '../../src/observe/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';

describe('job runs', () => {
  const events: JobRunEvent[] = [];
  let stop: (() => void) | undefined;
  afterEach(() => {
    stop?.();
    events.length = 0;
  });
  const listen = () => {
    stop = onJobRun((event) => events.push(event));
  };

  it('reports a run START, then COMPLETE with the table versions it read and wrote', async () => {
    const engine = await Engine.create({ threads: 1 });
    const dir = await tempDir('aquifer-job-run-');
    try {
      const { table } = await DeltaTable.create(`${dir}/events`, { engine, data: { sql: 'SELECT 1::BIGINT AS id, 10 AS price' } });
      listen();
      await withJobRun({ name: 'test.copy', type: 'QUERY' }, async () => {
        const scan = await table.scan();
        await table.append({ sql: `SELECT id + 1 AS id, price FROM (${await scan.sql()})` });
        await table.append({ sql: 'SELECT 5::BIGINT AS id, 50 AS price UNION ALL SELECT 6, 60' });
        await table.delete('id = 5');
      });
      expect(events.map((e) => e.state)).toEqual(['START', 'COMPLETE']);
      const complete = events[1]!;
      expect(complete.job).toEqual({ name: 'test.copy', type: 'QUERY' });
      expect(complete.inputs.map((i) => [i.kind, i.name, i.version])).toEqual([
        ['table', `${dir}/events`, '0'],
        ['table', `${dir}/events`, '2'],
      ]);
      expect(complete.outputs).toHaveLength(1);
      expect(complete.outputs[0]).toMatchObject({
        namespace: 'file',
        name: `${dir}/events`,
        kind: 'table',
        version: '3',
        versions: [1, 2, 3],
        operation: 'DELETE',
        fields: [
          { name: 'id', type: 'long' },
          { name: 'price', type: 'integer' },
        ],
      });
      // 1 row, then 2, then the delete rewrote the file with the row it kept.
      expect(complete.outputs[0]!.statistics).toMatchObject({ rowCount: 4, fileCount: 3 });
    } finally {
      engine.close();
    }
  });

  it('makes a commit outside any run a run of its own, named for the operation and table', async () => {
    const engine = await Engine.create({ threads: 1 });
    const dir = await tempDir('aquifer-job-run-');
    try {
      listen();
      const { table } = await DeltaTable.create(`${dir}/prices`, { engine, data: { sql: 'SELECT 1 AS id' } });
      await table.update({ set: { id: 'id + 1' } });
      expect(events.map((e) => [e.state, e.job.name, e.outputs[0]?.version, e.inputs.map((i) => i.version)])).toEqual([
        ['START', 'table.create_table_as_select.prices', undefined, []],
        ['COMPLETE', 'table.create_table_as_select.prices', '0', []],
        ['START', 'table.update.prices', undefined, []],
        ['COMPLETE', 'table.update.prices', '1', ['0']],
      ]);
    } finally {
      engine.close();
    }
  });

  it('reports FAIL with the error, and names the run it ran inside as its parent', async () => {
    listen();
    const failure = withJobRun({ name: 'outer', type: 'JOB' }, () =>
      withJobRun({ name: 'inner', type: 'JOB' }, () => Promise.reject(Object.assign(new Error('no such column'), { code: 'SQL_INVALID' }))),
    );
    await expect(failure).rejects.toThrow('no such column');
    expect(events.map((e) => [e.job.name, e.state, e.parent?.job.name, e.error?.code])).toEqual([
      ['outer', 'START', undefined, undefined],
      ['inner', 'START', 'outer', undefined],
      ['inner', 'FAIL', 'outer', 'SQL_INVALID'],
      ['outer', 'FAIL', undefined, 'SQL_INVALID'],
    ]);
    expect(events[2]!.parent?.runId).toBe(events[0]!.runId);
  });

  it('builds nothing while nobody listens', async () => {
    const ran = await withJobRun({ name: 'quiet', type: 'JOB' }, async (run) => run.id);
    expect(ran).toMatch(/^[0-9a-f-]{36}$/);
    expect(events).toEqual([]);
  });

  it('reports nothing from work run withoutJobRuns, commits included', async () => {
    const engine = await Engine.create({ threads: 1 });
    const dir = await tempDir('aquifer-job-run-');
    try {
      listen();
      await withoutJobRuns(async () => {
        const { table } = await DeltaTable.create(`${dir}/log`, { engine, data: { sql: 'SELECT 1 AS id' } });
        await withJobRun({ name: 'inside', type: 'JOB' }, () => table.append({ sql: 'SELECT 2 AS id' }));
      });
      expect(events).toEqual([]);
    } finally {
      engine.close();
    }
  });
});
