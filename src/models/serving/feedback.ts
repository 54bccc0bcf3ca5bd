import { quoteIdent, type Engine } from '../../engine/index.js';
import type { Project } from '../../project/index.js';
import { DeltaTable, TableNotFoundError } from '../../table/index.js';
import { feedbackTable, predictionsTable } from './log-tables.js';

/** A logged prediction with the label fed back for it. */
export interface FeedbackRow {
  requestId: string;
  rowIndex: number;
  model: string;
  version: string;
  predictedAt: string;
  labeledAt: string;
  entities: Record<string, unknown>;
  features: Record<string, unknown>;
  prediction: unknown;
  label: unknown;
}

/**
 * SQL for a model's logged predictions joined with their labels (request id and row), the
 * latest label per prediction, in prediction time order: the rows to train the next
 * version on. Undefined while either table does not exist yet.
 */
export async function feedbackSql(project: Project, engine: Engine, model: string): Promise<string | undefined> {
  const sqlOf = async (table: string) => {
    try {
      return await (await (await DeltaTable.open(project.tablePath(table, { internal: true }), { engine, stores: project.stores })).scan()).sql();
    } catch (error) {
      if (error instanceof TableNotFoundError) return undefined;
      throw error;
    }
  };
  const predictions = await sqlOf(predictionsTable(model));
  const feedback = await sqlOf(feedbackTable(model));
  if (predictions === undefined || feedback === undefined) return undefined;
  return labeledPredictionsSql(predictions, feedback);
}

/**
 * The join behind every use of feedback: each logged prediction (from the `predictions` scan)
 * with the latest label (from `feedback`) for its request id and row, columns `request_id`,
 * `row_index`, `model`, `version`, `predicted_at`, `labeled_at`, `entities`, `features`,
 * `prediction`, `label`, in prediction time order. Predictions without a label are left out.
 */
export function labeledPredictionsSql(predictions: string, feedback: string): string {
  const [request, row, time] = ['request_id', 'row_index', 'time'].map(quoteIdent) as [string, string, string];
  return `SELECT p.${request}, p.${row}, p.model, p.version, p.${time} AS predicted_at, f.${time} AS labeled_at, p.entities, p.features, p.prediction, f.label
FROM (${predictions}) p
JOIN (SELECT * FROM (${feedback}) QUALIFY row_number() OVER (PARTITION BY ${request}, ${row} ORDER BY ${time} DESC) = 1) f
  ON p.${request} = f.${request} AND p.${row} = f.${row}
ORDER BY p.${time}, p.${request}, p.${row}`;
}

/** A model's logged predictions that have a label, with entity keys, features, prediction and label parsed back from JSON. */
export async function feedbackRows(project: Project, engine: Engine, model: string): Promise<FeedbackRow[]> {
  const sql = await feedbackSql(project, engine, model);
  if (sql === undefined) return [];
  const rows = await engine.queryJson(
    `SELECT request_id, row_index, model, version, strftime(predicted_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS predicted_at,
       strftime(labeled_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS labeled_at, entities, features, prediction, label FROM (${sql})`,
  );
  return rows.map((r) => ({
    requestId: String(r['request_id']),
    rowIndex: Number(r['row_index']),
    model: String(r['model']),
    version: String(r['version']),
    predictedAt: String(r['predicted_at']),
    labeledAt: String(r['labeled_at']),
    entities: JSON.parse(String(r['entities'])) as Record<string, unknown>,
    features: JSON.parse(String(r['features'])) as Record<string, unknown>,
    prediction: JSON.parse(String(r['prediction'])) as unknown,
    label: JSON.parse(String(r['label'])) as unknown,
  }));
}
