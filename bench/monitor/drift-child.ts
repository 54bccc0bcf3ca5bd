/**
 * Aquifer's drift report in a process of its own (so its time and peak RSS are its own):
 *   drift-child.ts file REFERENCE.parquet CURRENT.parquet   driftReport over fileRelation
 *   drift-child.ts table REFERENCE_TABLE CURRENT_TABLE      driftReport over tableRelation (Delta)
 * The engine is the one the CLI uses (sharedEngine: AQUIFER_MEMORY_LIMIT and
 * AQUIFER_TEMP_DIRECTORY apply). Prints one JSON line: ms, peakRss (bytes) and the report's
 * columns and dataset verdict, for the agreement check against Evidently.
 */
import { sharedEngine } from '../../src/engine/index.js';
import { driftReport, fileRelation, tableRelation, type DriftRelation } from '../../src/monitor/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { peakRssBytes } from '../table/peak-rss.js';

const [part, reference, current] = process.argv.slice(2) as ['file' | 'table', string, string];
const engine = await sharedEngine();
const start = performance.now();
const relation = async (location: string): Promise<DriftRelation> =>
  part === 'file' ? fileRelation(location) : tableRelation(await DeltaTable.open(location, { engine }));
const report = await driftReport(engine, { reference: await relation(reference), current: await relation(current) });
const ms = performance.now() - start;
engine.close();
process.stdout.write(`${JSON.stringify({ ms, peakRss: peakRssBytes(), columns: report.columns, dataset: report.dataset })}\n`);
