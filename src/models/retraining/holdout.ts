import { AquiferError } from '../../errors.js';
import { quoteIdent, type Engine, type Row } from '../../engine/index.js';
import type { Project } from '../../project/index.js';
import { DeltaTable } from '../../table/index.js';
import type { ModelLoader } from '../serving/model-loader.js';
import { modelFeatures } from '../serving/model-features.js';
import { scoreHoldout, type HoldoutMetric, type MetricOptions } from './holdout-metrics.js';

/** Rows a model did not learn from, with the true label: a saved training set or any table of the project, optionally filtered. */
export interface HoldoutSource {
  /** A table of the project (a saved training set is one). */
  table: string;
  /** A SQL filter over its columns: `event_timestamp >= '2026-11-01'`. */
  where?: string;
  /** The table version to read; the latest by default. */
  version?: number;
  /** The column holding the true value. */
  label: string;
}

/** A holdout read once, to score every version on the same rows. */
export interface HoldoutRows {
  table: string;
  location: string;
  version: number;
  rows: Row[];
  labels: unknown[];
}

/** Rows predicted per call: a batch ONNX Runtime takes at once without holding the whole holdout's tensors twice. */
const BATCH_ROWS = 4096;

/** The holdout's rows whose label is known; each row's columns are what the models' features are read from. */
export async function readHoldout(project: Project, engine: Engine, source: HoldoutSource): Promise<HoldoutRows> {
  const table = await DeltaTable.open(project.tablePath(source.table, { internal: true }), { engine, stores: project.stores });
  const snapshot = await table.snapshot(source.version === undefined ? {} : { version: source.version });
  const columns = snapshot.schema.fields.map((f) => f.name);
  if (!columns.includes(source.label))
    throw new AquiferError('MODEL_RETRAIN_INVALID', `The holdout ${source.table} has no label column ${JSON.stringify(source.label)}`, {
      value: { label: source.label, columns },
      hint: `Name one of its columns as the label: ${columns.join(', ')}.`,
    });
  const scan = await table.scan({ version: snapshot.version, ...(source.where === undefined ? {} : { where: source.where }) });
  const rows = (await engine.query(`SELECT * FROM (${await scan.sql()}) WHERE ${quoteIdent(source.label)} IS NOT NULL`)).map(plainRow);
  if (rows.length === 0)
    throw new AquiferError('MODEL_RETRAIN_INVALID', `The holdout ${source.table} has no rows with a ${source.label} to score`, {
      value: { table: source.table, version: snapshot.version, where: source.where ?? null },
      hint: 'Give a holdout with labelled rows (check the filter).',
    });
  return { table: source.table, location: table.location, version: snapshot.version, rows, labels: rows.map((r) => r[source.label]) };
}

/**
 * Score one model version on the holdout through the serving code: the same loader and
 * servable model `/predict` uses, its features read from the holdout row's columns (named as
 * in the training set the version learned from) rather than from the online store.
 */
export async function scoreVersion(
  project: Project,
  engine: Engine,
  loader: ModelLoader,
  model: string,
  version: number,
  holdout: HoldoutRows,
  metric: HoldoutMetric,
  options: MetricOptions,
): Promise<number> {
  const servable = await loader.load(model, version);
  const featureColumns = servable.trainingSet === undefined ? undefined : (await modelFeatures(project, engine, servable.trainingSet)).featureColumns;
  const predicted: unknown[] = [];
  for (let start = 0; start < holdout.rows.length; start += BATCH_ROWS) {
    const batch = holdout.rows.slice(start, start + BATCH_ROWS);
    predicted.push(...(await servable.predict(batch, featureColumns)).predictions);
  }
  return scoreHoldout(metric, predicted, holdout.labels, options);
}

/** DuckDB's JS values as the serving path gets them from JSON: whole numbers that fit as numbers. */
function plainRow(row: Row): Row {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row))
    out[key] = typeof value === 'bigint' && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  return out;
}
