import { expect } from 'vitest';
import type { Engine } from '../../src/engine/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { quarantineRows } from './ingest.js';

/**
 * What a gated stream ingest of records `seq` 0..records-1 must leave: each good record in
 * the table exactly once, and each bad one (`isBad`) in the quarantine exactly once, with
 * reason EXPECTATION_FAILED and, as message, the expectation it failed.
 */
export async function expectGatedOutcome(
  engine: Engine,
  table: string,
  records: number,
  isBad: (seq: number) => boolean,
  failed: { type: string; kwargs: Record<string, unknown> },
): Promise<void> {
  const rows = await engine.query(`SELECT seq, count(*) AS n FROM (${await (await (await DeltaTable.open(table, { engine })).scan()).sql()}) GROUP BY seq`);
  expect(rows.filter((r) => Number(r['n']) !== 1)).toEqual([]);
  const all = Array.from({ length: records }, (_, seq) => seq);
  expect(rows.map((r) => Number(r['seq'])).sort((a, b) => a - b)).toEqual(all.filter((seq) => !isBad(seq)));
  const bad = await quarantineRows(engine, table);
  expect(bad.map((q) => (JSON.parse(q.payload ?? '{}') as { seq: number }).seq).sort((a, b) => a - b)).toEqual(all.filter(isBad));
  expect(new Set(bad.map((q) => `${q.reason} ${q.message ?? ''}`))).toEqual(new Set([`EXPECTATION_FAILED ${failed.type} ${JSON.stringify(failed.kwargs)}`]));
}
