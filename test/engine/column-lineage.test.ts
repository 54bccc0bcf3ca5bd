import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, sqlColumnLineage, type LineageTableReference, type SqlColumnLineage } from '../../src/engine/index.js';
import type { ColumnSource } from '../../src/observe/index.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
});
afterAll(() => engine.close());

const TABLES: Record<string, string[]> = {
  t: ['a', 'b', 'c'],
  u: ['k', 'v'],
  orders: ['order_id', 'customer_id', 'product_id', 'amount', 'quantity', 'status', 'ts'],
  customers: ['id', 'region', 'name'],
  products: ['id', 'category', 'price'],
};

function resolve(reference: LineageTableReference) {
  const name = reference.kind === 'table' ? reference.name : reference.path.replace(/^\/data\//, '');
  const columns = TABLES[name];
  return columns === undefined ? undefined : { namespace: 'file', name: `/data/${name}`, columns };
}

const direct = (table: string, field: string, subtype = 'IDENTITY'): ColumnSource => ({
  namespace: 'file',
  name: `/data/${table}`,
  field,
  type: 'DIRECT',
  subtype,
});
const indirect = (table: string, field: string, subtype: string): ColumnSource => ({
  namespace: 'file',
  name: `/data/${table}`,
  field,
  type: 'INDIRECT',
  subtype,
});

const key = (s: ColumnSource) => `${s.name}.${s.field} ${s.type} ${s.subtype ?? ''}`;
const sorted = (sources: readonly ColumnSource[]) => [...sources].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
function normal(lineage: SqlColumnLineage) {
  return { columns: Object.fromEntries(Object.entries(lineage.columns).map(([name, sources]) => [name, sorted(sources)])), dataset: sorted(lineage.dataset) };
}
const lineage = async (sql: string) => normal(await sqlColumnLineage(engine, sql, resolve));
const expected = (columns: Record<string, ColumnSource[]>, dataset: ColumnSource[] = []) => normal({ columns, dataset });

describe('sqlColumnLineage', () => {
  it('gives the exact lineage of a three-table transformation with aliases, an expression, an aggregate, a filter and a CTE', async () => {
    const sql = `
      WITH paid AS (
        SELECT o.customer_id, o.product_id, o.amount * o.quantity AS total
        FROM orders AS o WHERE o.status = 'paid'
      )
      SELECT c.region, upper(p.category) AS category, sum(paid.total) AS revenue, count(*) AS orders
      FROM paid JOIN customers AS c ON paid.customer_id = c.id JOIN products p ON p.id = paid.product_id
      WHERE c.region <> 'test'
      GROUP BY c.region, upper(p.category)`;
    expect(await lineage(sql)).toEqual(
      expected(
        {
          region: [direct('customers', 'region')],
          category: [direct('products', 'category', 'TRANSFORMATION')],
          revenue: [direct('orders', 'amount', 'AGGREGATION'), direct('orders', 'quantity', 'AGGREGATION')],
        },
        [
          indirect('orders', 'status', 'FILTER'),
          indirect('orders', 'customer_id', 'JOIN'),
          indirect('customers', 'id', 'JOIN'),
          indirect('products', 'id', 'JOIN'),
          indirect('orders', 'product_id', 'JOIN'),
          indirect('customers', 'region', 'FILTER'),
          indirect('customers', 'region', 'GROUP_BY'),
          indirect('products', 'category', 'GROUP_BY'),
        ],
      ),
    );
  });

  it('follows aliases and expressions in the select list, naming unnamed ones as DuckDB does', async () => {
    expect(await lineage('SELECT a AS x, a + b AS y, b, 1 AS k, a * 2 FROM t')).toEqual(
      expected({
        x: [direct('t', 'a')],
        y: [direct('t', 'a', 'TRANSFORMATION'), direct('t', 'b', 'TRANSFORMATION')],
        b: [direct('t', 'b')],
        '(a * 2)': [direct('t', 'a', 'TRANSFORMATION')],
      }),
    );
  });

  it('expands * and t.* from the resolved columns, with EXCLUDE and REPLACE', async () => {
    expect(await lineage('SELECT * EXCLUDE (c) REPLACE (a + 1 AS a) FROM t')).toEqual(
      expected({ a: [direct('t', 'a', 'TRANSFORMATION')], b: [direct('t', 'b')] }),
    );
    expect(await lineage('SELECT u.*, x.a FROM t AS x, u')).toEqual(expected({ k: [direct('u', 'k')], v: [direct('u', 'v')], a: [direct('t', 'a')] }));
  });

  it('reports join keys, of ON and of USING, as INDIRECT JOIN', async () => {
    expect(await lineage('SELECT t.b, u.v FROM t JOIN u ON t.a = u.k')).toEqual(
      expected({ b: [direct('t', 'b')], v: [direct('u', 'v')] }, [indirect('t', 'a', 'JOIN'), indirect('u', 'k', 'JOIN')]),
    );
    expect(await lineage('SELECT * FROM (SELECT a AS k, b FROM t) JOIN u USING (k)')).toEqual(
      expected({ k: [direct('t', 'a')], b: [direct('t', 'b')], v: [direct('u', 'v')] }, [indirect('t', 'a', 'JOIN'), indirect('u', 'k', 'JOIN')]),
    );
  });

  it('reports WHERE columns as INDIRECT FILTER, through IN subqueries too', async () => {
    expect(await lineage('SELECT a FROM t WHERE b > 0 AND c IN (SELECT k FROM u)')).toEqual(
      expected({ a: [direct('t', 'a')] }, [indirect('t', 'b', 'FILTER'), indirect('t', 'c', 'FILTER'), indirect('u', 'k', 'FILTER')]),
    );
  });

  it('reports GROUP BY keys as INDIRECT GROUP_BY and aggregated columns as AGGREGATION, also for GROUP BY ALL', async () => {
    const want = expected({ a: [direct('t', 'a')], total: [direct('t', 'b', 'AGGREGATION')] }, [indirect('t', 'a', 'GROUP_BY'), indirect('t', 'c', 'FILTER')]);
    expect(await lineage('SELECT a, sum(b) AS total FROM t GROUP BY a HAVING max(c) > 1')).toEqual(want);
    expect(await lineage('SELECT a, sum(b) AS total FROM t GROUP BY ALL HAVING max(c) > 1')).toEqual(want);
    expect(await lineage('SELECT a, sum(b) AS total FROM t GROUP BY 1 HAVING max(c) > 1')).toEqual(want);
  });

  it('reports ORDER BY columns as INDIRECT SORT, by name, alias or position', async () => {
    expect(await lineage('SELECT a AS x, b FROM t ORDER BY x, 2, c')).toEqual(
      expected({ x: [direct('t', 'a')], b: [direct('t', 'b')] }, [indirect('t', 'a', 'SORT'), indirect('t', 'b', 'SORT'), indirect('t', 'c', 'SORT')]),
    );
  });

  it('reports window partitions and orders as INDIRECT WINDOW on the column', async () => {
    expect(await lineage('SELECT row_number() OVER (PARTITION BY a ORDER BY b) AS rn, sum(c) OVER (PARTITION BY a) AS running FROM t')).toEqual(
      expected({
        rn: [indirect('t', 'a', 'WINDOW'), indirect('t', 'b', 'WINDOW')],
        running: [direct('t', 'c', 'AGGREGATION'), indirect('t', 'a', 'WINDOW')],
      }),
    );
  });

  it('reports CASE conditions as INDIRECT CONDITIONAL and its branches as TRANSFORMATION', async () => {
    expect(await lineage('SELECT CASE WHEN a > 0 THEN b ELSE c END AS v FROM t')).toEqual(
      expected({ v: [indirect('t', 'a', 'CONDITIONAL'), direct('t', 'b', 'TRANSFORMATION'), direct('t', 'c', 'TRANSFORMATION')] }),
    );
  });

  it('follows columns through subqueries in FROM, keeping their filters', async () => {
    expect(await lineage('SELECT s.x, s.b FROM (SELECT a + 1 AS x, b FROM t WHERE c > 0) AS s')).toEqual(
      expected({ x: [direct('t', 'a', 'TRANSFORMATION')], b: [direct('t', 'b')] }, [indirect('t', 'c', 'FILTER')]),
    );
  });

  it('follows columns through CTEs, nested ones and ones naming their columns', async () => {
    expect(await lineage('WITH one(x, y) AS (SELECT a, b FROM t), two AS (SELECT x * 2 AS z, y FROM one) SELECT sum(z) AS s, y FROM two GROUP BY y')).toEqual(
      expected({ s: [direct('t', 'a', 'AGGREGATION')], y: [direct('t', 'b')] }, [indirect('t', 'b', 'GROUP_BY')]),
    );
  });

  it('matches UNION ALL columns by position, and UNION BY NAME by name', async () => {
    expect(await lineage('SELECT a, b FROM t UNION ALL SELECT k, v FROM u')).toEqual(
      expected({ a: [direct('t', 'a'), direct('u', 'k')], b: [direct('t', 'b'), direct('u', 'v')] }),
    );
    expect(await lineage('SELECT a AS v FROM t UNION ALL BY NAME SELECT v, k FROM u')).toEqual(
      expected({ v: [direct('t', 'a'), direct('u', 'v')], k: [direct('u', 'k')] }),
    );
  });

  it('marks values that aggregates compute as AGGREGATION, with an aggregate FILTER as INDIRECT FILTER', async () => {
    expect(await lineage('SELECT sum(a * b) AS s, max(b) FILTER (WHERE c > 0) AS m, count(DISTINCT c) AS n FROM t')).toEqual(
      expected({
        s: [direct('t', 'a', 'AGGREGATION'), direct('t', 'b', 'AGGREGATION')],
        m: [direct('t', 'b', 'AGGREGATION'), indirect('t', 'c', 'FILTER')],
        n: [direct('t', 'c', 'AGGREGATION')],
      }),
    );
  });

  it('gives no lineage for columns of tables resolve does not know, rather than a guess', async () => {
    expect(await lineage('SELECT t.a, x.y, z, * FROM t JOIN mystery AS x ON t.b = x.id')).toEqual(
      expected({ a: [direct('t', 'a')], b: [direct('t', 'b')], c: [direct('t', 'c')] }, [indirect('t', 'b', 'JOIN')]),
    );
  });

  it('resolves table functions called with a literal path, such as delta_scan', async () => {
    expect(await lineage("SELECT k AS key FROM delta_scan('/data/u')")).toEqual(expected({ key: [direct('u', 'k')] }));
  });

  it('expands COLUMNS(c -> c NOT IN (...)) as a * less those columns, and gives up on other COLUMNS forms', async () => {
    expect(await lineage("SELECT COLUMNS(lambda c: c NOT IN ('c')) FROM read_parquet(['/data/t'])")).toEqual(
      expected({ a: [direct('t', 'a')], b: [direct('t', 'b')] }),
    );
    expect(await lineage("SELECT COLUMNS('a|b') FROM t")).toEqual(expected({}));
  });

  it('throws typed errors for SQL that is not one query or does not parse', async () => {
    await expect(sqlColumnLineage(engine, 'INSERT INTO t VALUES (1)', resolve)).rejects.toMatchObject({ code: 'ENGINE_LINEAGE_SQL_UNSUPPORTED' });
    await expect(sqlColumnLineage(engine, 'SELECT 1; SELECT 2', resolve)).rejects.toMatchObject({ code: 'ENGINE_LINEAGE_SQL_UNSUPPORTED' });
    await expect(sqlColumnLineage(engine, 'SELEC a FROM t', resolve)).rejects.toMatchObject({ code: 'ENGINE_LINEAGE_SQL_INVALID' });
  });
});
