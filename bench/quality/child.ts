/**
 * One contender of the quality benchmark in its own process: `child.ts aquifer TABLE SUITE`
 * (Aquifer's validate on the Delta table) or `child.ts raw TABLE` (the same checks as one
 * hand-written DuckDB query over the table's Parquet files: the limit). Prints one JSON line.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Engine } from '../../src/engine/index.js';
import { parseSuite, validate } from '../../src/quality/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { benchCache } from '../table/measure.js';
import { peakRssBytes } from '../table/peak-rss.js';
import { RAW_CHECKS_SQL } from './raw-checks.js';

const [part, table, suiteFile] = process.argv.slice(2) as [string, string, string | undefined];
const memoryLimit = process.env['BENCH_QUALITY_MEMORY'];
const engine = await Engine.create(memoryLimit === undefined ? {} : { memoryLimit, tempDirectory: path.join(benchCache(), 'quality-spill') });
const start = performance.now();
let out: Record<string, unknown>;
if (part === 'aquifer') {
  const suite = parseSuite(JSON.parse(await readFile(suiteFile as string, 'utf8')), 'suite.json');
  const result = await validate(await DeltaTable.open(table, { engine }), suite, { resultFormat: 'SUMMARY' });
  out = {
    results: result.results.map((r) => ({
      type: r.expectation_config.type,
      kwargs: r.expectation_config.kwargs,
      success: r.success,
      unexpected_count: r.result['unexpected_count'] ?? null,
      observed_value: r.result['observed_value'] ?? null,
    })),
  };
} else {
  const [row] = await engine.query(RAW_CHECKS_SQL(`read_parquet('${table}/*.parquet')`));
  out = { raw: Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])) };
}
const ms = performance.now() - start;
engine.close();
process.stdout.write(`${JSON.stringify({ ms, peakRss: peakRssBytes(), ...out })}\n`);
