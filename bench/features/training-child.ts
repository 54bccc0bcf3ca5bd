/**
 * One Aquifer training-set run in its own process (`node --import tsx training-child.ts
 * CONFIG`), so its peak RSS is its own: opens the project's feature store, builds the
 * training set for the entity rows and saves it as a Delta table (`save`), has DuckDB
 * COPY it to one Parquet file (`parquet`, what Feast's side does with its Arrow result) or
 * counts its rows (`count`); or (`raw`) has DuckDB COPY a hand-written query to Parquet.
 * Prints one JSON object (TrainingRunResult).
 */
import { performance } from 'node:perf_hooks';
import { Engine, quoteLiteral } from '../../src/engine/index.js';
import { checkShape, FeatureStore } from '../../src/features/index.js';
import { Project } from '../../src/project/index.js';
import { peakRssBytes } from '../table/peak-rss.js';

export type TrainingRunConfig =
  | {
      mode: 'save' | 'parquet' | 'count';
      project: string;
      entities: string;
      features: string[];
      /** Where `save` and `parquet` write the training set. */
      output?: string;
    }
  /** The reference: a hand-written query, COPY'd by DuckDB to one Parquet file. */
  | { mode: 'raw'; sql: string; output: string };

export interface TrainingRunResult {
  /** From historicalFeatures(...) to the saved table (or the count). */
  ms: number;
  /** historicalFeatures(...) alone: snapshots, scans and the SQL. */
  planMs: number;
  rows: number;
  /** The process's own peak resident set (VmHWM, see peakRssBytes), KiB. */
  maxRssKb: number;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as TrainingRunConfig;
  const engine = await Engine.create();
  try {
    if (config.mode === 'raw') {
      const start = performance.now();
      const [row] = await engine.query(`COPY (${config.sql}) TO ${quoteLiteral(config.output)} (FORMAT parquet)`);
      const ms = performance.now() - start;
      const result: TrainingRunResult = { ms, planMs: 0, rows: Number(row?.['Count'] ?? NaN), maxRssKb: peakRssBytes() / 1024 };
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    const project = await Project.open(config.project);
    // The project's definitions; no online store is needed offline.
    const store = new FeatureStore(project, engine, checkShape(await project.readFeatures(), project.featuresPath));
    const start = performance.now();
    const set = await store.historicalFeatures({ entityRows: { files: config.entities }, features: config.features });
    const planned = performance.now();
    let rows: number;
    if (config.mode === 'save') {
      const { result } = await set.save(config.output as string);
      rows = result.rows;
    } else if (config.mode === 'parquet') {
      const [row] = await engine.query(`COPY (${set.sql}) TO ${quoteLiteral(config.output as string)} (FORMAT parquet)`);
      rows = Number(row?.['Count'] ?? NaN);
    } else {
      rows = await set.count();
    }
    const ms = performance.now() - start;
    const result: TrainingRunResult = { ms, planMs: planned - start, rows, maxRssKb: peakRssBytes() / 1024 };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    engine.close();
  }
}

await main();
