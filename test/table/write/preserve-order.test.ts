import { describe, expect, it } from 'vitest';
import { DeltaTable } from '../../../src/table/index.js';
import { tableFixture } from '../../support/table-fixture.js';

const fixture = tableFixture();

/** Several of DuckDB's 122,880-row blocks, written by both threads. */
const ROWS = 300_000;
const ORDERED = `SELECT i AS pos, (i * 7919) % ${ROWS} AS v FROM range(${ROWS}) t(i) ORDER BY pos`;

async function misplaced(table: DeltaTable): Promise<number> {
  const rows = await fixture.engine().query(`SELECT pos FROM (${await (await table.scan()).sql()})`);
  expect(rows.length).toBe(ROWS);
  return rows.filter((row, i) => Number(row['pos']) !== i).length;
}

describe('writes that keep the row order', () => {
  it('a create with preserveOrder reads back in the order of its ORDER BY, as one file however small the target', async () => {
    const engine = fixture.engine();
    const { table } = await DeltaTable.create(fixture.location(), { engine, data: { sql: ORDERED }, preserveOrder: true, targetFileSize: 1024 });
    expect(await misplaced(table)).toBe(0);
    // One file however small the target: DuckDB's size-rolling COPY writes row groups out of order.
    expect((await table.snapshot()).files).toHaveLength(1);
  });
});
