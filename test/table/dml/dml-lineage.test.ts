import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/engine/index.js';
import { onJobRun, withJobRun, type ColumnSource, type DatasetRef, type JobRunEvent } from '../../../src/observe/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tableFixture } from '../../support/table-fixture.js';

const fixture = tableFixture();
let engine: Engine;
beforeAll(() => {
  engine = fixture.engine();
});

const events: JobRunEvent[] = [];
let stop: (() => void) | undefined;
afterEach(() => {
  stop?.();
  events.length = 0;
});

async function customers(): Promise<DeltaTable> {
  const { table } = await DeltaTable.create(fixture.location(), {
    engine,
    data: { sql: `SELECT i AS id, CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END AS region, i * 10 AS balance, 'v1' AS note FROM range(1, 11) t(i)` },
  });
  return table;
}

/** The output dataset `work` reports for `location`, run as one job while runs are observed. */
async function reported(location: string, work: () => Promise<unknown>): Promise<DatasetRef> {
  stop = onJobRun((event) => events.push(event));
  await withJobRun({ name: 'test.dml', type: 'TEST' }, async () => {
    await work();
  });
  const complete = events.find((e) => e.state === 'COMPLETE' && e.job.name === 'test.dml');
  const output = complete?.outputs.find((o) => o.name === location);
  if (output === undefined) throw new Error(`no output for ${location}`);
  return output;
}

const key = (s: ColumnSource) => `${s.name}.${s.field} ${s.type} ${s.subtype ?? ''}`;
const sorted = (sources: readonly ColumnSource[] | undefined) => [...(sources ?? [])].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
const columnsOf = (lineage: DatasetRef['columnLineage']) => Object.fromEntries(Object.entries(lineage ?? {}).map(([c, s]) => [c, sorted(s)]));
const at =
  (name: string) =>
  (field: string, type: 'DIRECT' | 'INDIRECT', subtype: string): ColumnSource => ({ namespace: 'file', name, field, type, subtype });

describe('column lineage of row-level changes', () => {
  it('reports a DELETE condition as the dataset lineage of the table written', async () => {
    const table = await customers();
    const output = await reported(table.location, () => table.delete("balance > 50 AND region = 'eu'"));
    const t = at(table.location);
    expect(output.columnLineage).toBeUndefined();
    expect(sorted(output.datasetLineage)).toEqual(sorted([t('balance', 'INDIRECT', 'FILTER'), t('region', 'INDIRECT', 'FILTER')]));
  });

  it('reports each column an UPDATE sets from the columns of its expression, and its condition as FILTER', async () => {
    const table = await customers();
    const output = await reported(table.location, () => table.update({ set: { balance: 'balance * 2 + id', note: 'region' }, where: 'id < 5' }));
    const t = at(table.location);
    expect(columnsOf(output.columnLineage)).toEqual({
      balance: sorted([t('balance', 'DIRECT', 'TRANSFORMATION'), t('id', 'DIRECT', 'TRANSFORMATION')]),
      note: [t('region', 'DIRECT', 'IDENTITY')],
    });
    expect(output.datasetLineage).toEqual([t('id', 'INDIRECT', 'FILTER')]);
  });

  it('reports each column a MERGE writes from the source file columns, ON as JOIN and clause conditions as CONDITIONAL', async () => {
    const table = await customers();
    const file = `${fixture.location()}.parquet`;
    await engine.run(`COPY (SELECT i AS id, i * 3 AS amount, 'x' AS tag FROM range(8, 14) t(i)) TO '${file}' (FORMAT parquet)`);
    const output = await reported(table.location, () =>
      table.merge({
        source: { files: [file] },
        on: 'target.id = source.id',
        whenMatched: [{ condition: 'source.amount > target.balance', update: { balance: 'target.balance + source.amount' } }],
        whenNotMatched: [{ insert: { id: 'source.id', balance: 'source.amount', note: 'source.tag', region: "'new'" } }],
      }),
    );
    const t = at(table.location);
    const s = at(file);
    expect(columnsOf(output.columnLineage)).toEqual({
      id: [s('id', 'DIRECT', 'IDENTITY')],
      balance: sorted([t('balance', 'DIRECT', 'TRANSFORMATION'), s('amount', 'DIRECT', 'TRANSFORMATION'), s('amount', 'DIRECT', 'IDENTITY')]),
      note: [s('tag', 'DIRECT', 'IDENTITY')],
    });
    expect(sorted(output.datasetLineage)).toEqual(
      sorted([t('id', 'INDIRECT', 'JOIN'), s('id', 'INDIRECT', 'JOIN'), s('amount', 'INDIRECT', 'CONDITIONAL'), t('balance', 'INDIRECT', 'CONDITIONAL')]),
    );
  });

  it('follows a MERGE source given as SQL to the file it reads', async () => {
    const table = await customers();
    const file = `${fixture.location()}.parquet`;
    await engine.run(`COPY (SELECT i AS key, i * 3 AS amount FROM range(8, 14) t(i)) TO '${file}' (FORMAT parquet)`);
    const output = await reported(table.location, () =>
      table.merge({
        source: { sql: `SELECT key AS id, amount * 2 AS doubled FROM read_parquet('${file}') WHERE amount > 0` },
        on: 'target.id = source.id',
        whenMatched: [{ update: { balance: 'source.doubled' } }],
      }),
    );
    const t = at(table.location);
    const s = at(file);
    expect(columnsOf(output.columnLineage)).toEqual({ balance: [s('amount', 'DIRECT', 'TRANSFORMATION')] });
    expect(sorted(output.datasetLineage)).toEqual(sorted([t('id', 'INDIRECT', 'JOIN'), s('key', 'INDIRECT', 'JOIN'), s('amount', 'INDIRECT', 'FILTER')]));
  });

  it("follows a MERGE source that is another table's scan to that table", async () => {
    const table = await customers();
    const { table: fixes } = await DeltaTable.create(fixture.location(), { engine, data: { sql: `SELECT 3 AS id, 99 AS balance` } });
    const source = await (await fixes.scan()).sql();
    const output = await reported(table.location, () =>
      table.merge({ source: { sql: source }, on: 'target.id = source.id', whenMatched: [{ update: { balance: 'source.balance' } }] }),
    );
    const t = at(table.location);
    const f = at(fixes.location);
    // The scan casts each column to the table's type: a transformation, if an exact one.
    expect(columnsOf(output.columnLineage)).toEqual({ balance: [f('balance', 'DIRECT', 'TRANSFORMATION')] });
    expect(sorted(output.datasetLineage)).toEqual(sorted([t('id', 'INDIRECT', 'JOIN'), f('id', 'INDIRECT', 'JOIN')]));
  });
});
