import { describe, expect, it } from 'vitest';
import { Engine, sharedEngine, type Row } from '../../../src/engine/index.js';
import { driftReport, type DriftReport, type DriftRelation } from '../../../src/monitor/index.js';
import { SORTED_BYTES_PER_VALUE } from '../../../src/monitor/drift/sorted-numeric.js';
import { tempDir } from '../../support/temp.js';

/**
 * What keeps a drift report's memory bounded whatever the sample sizes: only aggregates come
 * back into JavaScript, and a numeric column is sorted in one pass only when that sort fits
 * DuckDB's memory_limit; otherwise it is grouped, which spills, with the same values.
 */

/** `n` rows: a float, a high-cardinality integer, a few categories; `shift` moves the current side. */
const sample = (n: number, shift: number): DriftRelation => ({
  sql: `SELECT (hash(i * 10 + 1) % 1000003) / 1000.0 + ${shift} AS amount, CAST(hash(i * 10 + 2) % ${4 * n} AS BIGINT) + ${shift} AS id,
          ['a', 'b', 'c'][CAST(hash(i * 10 + 3) % 3 AS INTEGER) + 1] AS tag
        FROM range(${n}) t(i)`,
  label: `${n} rows`,
});

/** The engine, counting the rows its queries hand to JavaScript and keeping their SQL. */
function counting(engine: Engine): { engine: Engine; rows: () => number; sql: string[] } {
  let rows = 0;
  const sql: string[] = [];
  const proxy = new Proxy(engine, {
    get(target, property, receiver) {
      if (property !== 'query') return Reflect.get(target, property, receiver) as unknown;
      return async (...args: Parameters<Engine['query']>): Promise<Row[]> => {
        sql.push(args[0]);
        const result = await target.query(...args);
        rows += result.length;
        return result;
      };
    },
  });
  return { engine: proxy, rows: () => rows, sql };
}

const values = (report: DriftReport): [string, string, number][] => report.columns.map((c) => [c.column, c.method, c.value]);

describe('driftReport memory', () => {
  it('brings as many rows into JavaScript for 2 × 200,000 values as for 2 × 2,000: aggregates only', async () => {
    const crossing: number[] = [];
    for (const n of [2_000, 200_000]) {
      const { engine, rows } = counting(await sharedEngine());
      const report = await driftReport(engine, { reference: sample(n, 0), current: sample(n, 5) });
      expect(report.columns.map((c) => c.method)).toEqual(['Wasserstein distance (normed)', 'Wasserstein distance (normed)', 'Jensen-Shannon distance']);
      crossing.push(rows());
    }
    expect(crossing[1]).toBe(crossing[0]);
  }, 120_000);

  it('groups numeric columns, with the same values, when sorting them would not fit the memory_limit', async () => {
    const n = 150_000;
    // 2 × 150,000 values need about 38 MB sorted: above a 32MB limit, so this engine takes the grouped path.
    expect(2 * n * SORTED_BYTES_PER_VALUE).toBeGreaterThan(32 * 2 ** 20);
    const small = await Engine.create({ memoryLimit: '32MB', tempDirectory: await tempDir('aquifer-drift-spill-') });
    try {
      const limited = counting(small);
      const roomy = counting(await sharedEngine());
      const grouped = await driftReport(limited.engine, { reference: sample(n, 0), current: sample(n, 5) });
      const sorted = await driftReport(roomy.engine, { reference: sample(n, 0), current: sample(n, 5) });
      // The sorted pass is the one with cume_dist: taken for both numeric columns with room, never under the limit.
      expect(roomy.sql.filter((q) => q.includes('cume_dist')).length).toBe(2);
      expect(limited.sql.filter((q) => q.includes('cume_dist')).length).toBe(0);
      const a = values(grouped);
      const b = values(sorted);
      expect(a.map(([column, method]) => [column, method])).toEqual(b.map(([column, method]) => [column, method]));
      a.forEach(([, , value], i) => expect(Math.abs(value - (b[i]?.[2] ?? Number.NaN))).toBeLessThanOrEqual(1e-12 * Math.abs(value)));
      expect(grouped.dataset).toEqual(sorted.dataset);
    } finally {
      small.close();
    }
  }, 120_000);
});
