import { quoteLiteral, type Engine } from '../../engine/index.js';
import type { ModelStore } from '../../models/index.js';
import type { Project } from '../../project/index.js';
import { ModelMonitorOptionsError } from './errors.js';
import { classKey, classKeyOf, numberValue } from './logged-values.js';
import { models, modelVersion, requireLogTables, withModelStore } from './model-source.js';
import { checkTask, modelTask, type ModelTask } from './model-task.js';
import { timeConditions, type TimeBounds } from './time-window.js';

export type QualityWindow = 'hour' | 'day' | 'week';

export const QUALITY_WINDOWS: readonly QualityWindow[] = ['hour', 'day', 'week'];

export interface ModelQualityOptions extends TimeBounds {
  model: string;
  /** A version number, an alias (`champion`) or `function` (a function model): only its predictions. Every version, each on its own rows, by default. */
  version?: string | number;
  /** The windows predictions are grouped by, by their prediction time in UTC (weeks start on Monday). */
  window: QualityWindow;
  /** Classification or regression; read from the log when not given (see modelTask). */
  task?: ModelTask;
  /** A binary classifier's positive class; 1 by default. */
  positive?: string | number | boolean;
  /** The project's registry when not given (only opened to resolve an alias). */
  store?: ModelStore;
}

/** One window and version: how many predictions were labeled, and how good they were. */
export interface QualityRow {
  /** The window's start, ISO 8601 in UTC. */
  window_start: string;
  version: string;
  count: number;
  accuracy?: number;
  precision?: number;
  recall?: number;
  f1?: number;
  rmse?: number;
  mae?: number;
}

export interface ModelQuality {
  model: string;
  task: ModelTask;
  window: QualityWindow;
  /** How precision, recall and F1 were averaged: the positive class of two, or the unweighted mean over the classes (macro). */
  average?: 'binary' | 'macro';
  positive?: string | number | boolean;
  rows: QualityRow[];
}

/**
 * A model's quality over time from the labels fed back for its predictions: the prediction
 * log joined with the latest label per prediction (labeledPredictionsSql), grouped by window
 * of prediction time and by version, each metric computed in DuckDB as scikit-learn defines
 * it. Classifiers: accuracy, and precision, recall and F1 of the positive class when the
 * labels and predictions hold at most two classes (scikit-learn's average='binary',
 * pos_label=1), else their macro averages over the classes seen in the window; a ratio with
 * nothing to divide by is 0, as scikit-learn's zero_division default gives. Regressors: RMSE
 * and MAE.
 */
export async function modelQuality(project: Project, engine: Engine, options: ModelQualityOptions): Promise<ModelQuality> {
  const asked = checkTask(options.task);
  if (!QUALITY_WINDOWS.includes(options.window))
    throw new ModelMonitorOptionsError(`Unknown window ${JSON.stringify(options.window)}`, options.window, `Give one of ${QUALITY_WINDOWS.join(', ')}.`);
  const version = await versionFilter(project, options);
  const tables = await requireLogTables(project, engine, options.model);
  const conditions = [...(version === undefined ? [] : [`version = ${quoteLiteral(version)}`]), ...timeConditions('predicted_at', options)];
  const { labeledPredictionsSql } = await models();
  const labeled = `SELECT * FROM (${labeledPredictionsSql(tables.predictions, tables.feedback)})${conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`}`;
  const logged = `SELECT outputs FROM (${tables.predictions})${version === undefined ? '' : ` WHERE version = ${quoteLiteral(version)}`}`;
  const task = await modelTask(engine, asked, logged, { rows: labeled, columns: ['prediction', 'label'] });
  const base = `SELECT date_trunc('${options.window}', predicted_at AT TIME ZONE 'UTC') AS window_start, version, prediction, label FROM (${labeled})`;
  if (task === 'regression') return { model: options.model, task, window: options.window, rows: await regression(engine, base) };
  const { average, rows } = await classification(engine, base, options.positive);
  return {
    model: options.model,
    task,
    window: options.window,
    average,
    ...(average === 'binary' ? { positive: options.positive ?? 1 } : {}),
    rows,
  };
}

/** The version string the log keeps for a version or alias asked for: numbers need no registry. */
async function versionFilter(project: Project, options: ModelQualityOptions): Promise<string | undefined> {
  if (options.version === undefined) return undefined;
  // A function model answers under the version "function", which the registry does not hold.
  if (typeof options.version === 'number' || /^\d+$/.test(options.version) || options.version === 'function') return String(options.version);
  return withModelStore(project, options.store, async (store) => String((await modelVersion(store, options.model, options.version)).version));
}

const ORDER = 'ORDER BY window_start, TRY_CAST(version AS BIGINT) NULLS LAST, version';
const WINDOW_TEXT = `strftime(window_start, '%Y-%m-%dT%H:%M:%SZ') AS window_start`;

async function regression(engine: Engine, base: string): Promise<QualityRow[]> {
  const values = `SELECT window_start, version, ${numberValue('prediction')} AS p, ${numberValue('label')} AS y, prediction, label FROM (${base})`;
  const [bad] = await engine.query(`SELECT prediction, label FROM (${values}) WHERE p IS NULL OR y IS NULL LIMIT 1`);
  if (bad !== undefined)
    throw new ModelMonitorOptionsError(
      `A regressor's prediction (${String(bad['prediction'])}) or label (${String(bad['label'])}) is not a number`,
      bad,
      'Give --task classification for a model that predicts classes; a regressor needs numeric predictions and labels.',
    );
  const rows = await engine.query(
    `SELECT * FROM (SELECT ${WINDOW_TEXT}, version, count(*) AS n, sqrt(avg((p - y) ^ 2)) AS rmse, avg(abs(p - y)) AS mae FROM (${values}) GROUP BY ALL) ${ORDER}`,
  );
  return rows.map((r) => ({
    window_start: String(r['window_start']),
    version: String(r['version']),
    count: Number(r['n']),
    rmse: Number(r['rmse']),
    mae: Number(r['mae']),
  }));
}

async function classification(
  engine: Engine,
  base: string,
  positive: string | number | boolean | undefined,
): Promise<{ average: 'binary' | 'macro'; rows: QualityRow[] }> {
  const keyed = `SELECT window_start, version, ${classKey('prediction')} AS p, ${classKey('label')} AS y FROM (${base})`;
  // scikit-learn's choice: two classes (or fewer) are binary, more are averaged; taken over every row asked about.
  const [facts] = await engine.query(
    `SELECT count(DISTINCT c) AS classes, bool_and(c IN ('0', '1')) AS zero_one FROM (SELECT p AS c FROM (${keyed}) UNION ALL SELECT y FROM (${keyed}))`,
  );
  const classes = Number(facts?.['classes'] ?? 0);
  if (positive !== undefined && classes > 2)
    throw new ModelMonitorOptionsError(
      `A positive class was given, but the labels and predictions hold ${classes} classes`,
      { positive, classes },
      'A positive class applies to binary classifiers; leave it out to get macro averages over the classes.',
    );
  const average = classes <= 2 && (positive !== undefined || facts?.['zero_one'] !== false) ? 'binary' : 'macro';
  const perClass =
    average === 'binary'
      ? `SELECT window_start, version, ${classKeyOf(positive ?? 1)} AS c FROM (${keyed}) GROUP BY ALL`
      : `SELECT DISTINCT window_start, version, c FROM (SELECT window_start, version, p AS c FROM (${keyed}) UNION ALL SELECT window_start, version, y FROM (${keyed}))`;
  const sql = `WITH keyed AS (${keyed}),
counts AS (
  SELECT k.window_start, k.version, c.c,
    count(*) FILTER (WHERE k.p = c.c AND k.y = c.c) AS tp,
    count(*) FILTER (WHERE k.p = c.c AND k.y <> c.c) AS fp,
    count(*) FILTER (WHERE k.p <> c.c AND k.y = c.c) AS fn
  FROM keyed k JOIN (${perClass}) c ON k.window_start = c.window_start AND k.version = c.version
  GROUP BY ALL),
scores AS (
  SELECT window_start, version,
    avg(CASE WHEN tp + fp = 0 THEN 0 ELSE tp / (tp + fp) END) AS precision,
    avg(CASE WHEN tp + fn = 0 THEN 0 ELSE tp / (tp + fn) END) AS recall,
    avg(CASE WHEN 2 * tp + fp + fn = 0 THEN 0 ELSE 2 * tp / (2 * tp + fp + fn) END) AS f1
  FROM counts GROUP BY ALL),
totals AS (SELECT window_start, version, count(*) AS n, avg(CASE WHEN p = y THEN 1 ELSE 0 END) AS accuracy FROM keyed GROUP BY ALL)
SELECT ${WINDOW_TEXT}, version, n, accuracy, precision, recall, f1 FROM totals JOIN scores USING (window_start, version) ${ORDER}`;
  const rows = await engine.query(sql);
  return {
    average,
    rows: rows.map((r) => ({
      window_start: String(r['window_start']),
      version: String(r['version']),
      count: Number(r['n']),
      accuracy: Number(r['accuracy']),
      precision: Number(r['precision']),
      recall: Number(r['recall']),
      f1: Number(r['f1']),
    })),
  };
}
