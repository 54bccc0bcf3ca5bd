import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, sqlTableReads } from '../../src/engine/index.js';

/** The tables a query reads by name, from DuckDB's parse tree: what an asset depends on. */
let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
});
afterAll(() => engine.close());

describe('sqlTableReads', () => {
  it('names each table once, in order of first mention, through joins, subqueries and set operations', async () => {
    const sql = `SELECT * FROM orders o JOIN customers c ON o.customer_id = c.id
      WHERE o.product_id IN (SELECT id FROM products) UNION ALL SELECT * FROM orders`;
    expect(await sqlTableReads(engine, sql)).toEqual([{ name: 'orders' }, { name: 'customers' }, { name: 'products' }]);
  });

  it('leaves out CTE names, nested ones too, and table functions', async () => {
    const sql = `WITH recent AS (SELECT * FROM events), x AS (WITH y AS (SELECT 1 AS a) SELECT * FROM y)
      SELECT * FROM recent, x, read_parquet('/data/f.parquet')`;
    expect(await sqlTableReads(engine, sql)).toEqual([{ name: 'events' }]);
  });

  it('keeps a schema qualifier', async () => {
    expect(await sqlTableReads(engine, 'SELECT * FROM raw.orders')).toEqual([{ name: 'orders', schema: 'raw' }]);
  });

  it('refuses SQL that DuckDB cannot parse, and more than one statement', async () => {
    await expect(sqlTableReads(engine, 'SELEC * FROM t')).rejects.toMatchObject({ code: 'ENGINE_LINEAGE_SQL_INVALID' });
    await expect(sqlTableReads(engine, 'SELECT 1; SELECT 2')).rejects.toMatchObject({ code: 'ENGINE_LINEAGE_SQL_UNSUPPORTED' });
  });
});
