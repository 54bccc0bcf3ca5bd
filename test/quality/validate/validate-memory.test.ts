import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { validateRows, type ExpectationSuite, type ValidationSource } from '../../../src/quality/index.js';
import { field, primitive } from '../../../src/table/index.js';

const ROWS = 3_000_000;
const source: ValidationSource = {
  // Every 100,000th id repeats; prices spread over many distinct values.
  sql: `SELECT CASE WHEN i % 100000 = 1 THEN i - 1 ELSE i END AS id, (hash(i) % 1000003) / 7.0 AS price, i AS _aq_pos FROM range(${ROWS}) t(i)`,
  fields: [field('id', primitive('long')), field('price', primitive('double'))],
};
const suite: ExpectationSuite = {
  name: 'big',
  expectations: [
    { type: 'expect_column_values_to_be_unique', kwargs: { column: 'id' } },
    { type: 'expect_column_median_to_be_between', kwargs: { column: 'price', min_value: 0 } },
    {
      type: 'expect_column_quantile_values_to_be_between',
      kwargs: {
        column: 'price',
        quantile_ranges: {
          quantiles: [0.1, 0.5, 0.99],
          value_ranges: [
            [null, null],
            [null, null],
            [null, null],
          ],
        },
      },
    },
    { type: 'expect_column_unique_value_count_to_be_between', kwargs: { column: 'price', min_value: 0 } },
  ],
};

const engines: Engine[] = [];
const spill: string[] = [];
afterAll(async () => {
  for (const engine of engines) engine.close();
  for (const dir of spill) await rm(dir, { recursive: true, force: true });
});

describe('validation out of core', () => {
  it('validates data larger than DuckDB memory_limit by spilling, with the same results as in memory', async () => {
    const tempDirectory = await mkdtemp(path.join(os.tmpdir(), 'aquifer-spill-'));
    spill.push(tempDirectory);
    const small = await Engine.create({ memoryLimit: '48MB', tempDirectory, threads: 2 });
    const roomy = await Engine.create();
    engines.push(small, roomy);
    const limited = await validateRows(small, source, suite, { resultFormat: 'SUMMARY' });
    const free = await validateRows(roomy, source, suite, { resultFormat: 'SUMMARY' });
    expect(limited.results.map((r) => r.result)).toEqual(free.results.map((r) => r.result));
    expect(limited.results[0]?.result['unexpected_count']).toBe(2 * (ROWS / 100_000));
    expect((limited.results[2]?.result['observed_value'] as { values: unknown[] }).values.every((v) => typeof v === 'number')).toBe(true);
  });
});
