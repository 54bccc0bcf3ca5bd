import { AquiferError } from '../../errors.js';
import { jsonPathKey, quoteIdent, type Engine } from '../../engine/index.js';
import { trainingSetDefinition, TrainingSet, type TrainingSetDefinition } from '../../features/index.js';
import { tableDataset, type DatasetRef } from '../../observe/index.js';
import type { Project } from '../../project/index.js';
import { DeltaTable, TableNotFoundError, toDuckDBType, type DataType } from '../../table/index.js';
import type { ModelStore } from '../store/model-store.js';
import { resolveModelVersion } from '../registry/model-reference.js';
import { TRAINING_TAGS } from '../training/training-tags.js';
import { labeledPredictionsSql } from './feedback.js';
import { feedbackTable, predictionsTable } from './log-tables.js';

/** Where a feedback training set's rows came from: a model's prediction log and labels, at pinned versions. */
export type FeedbackOrigin = {
  kind: 'feedback';
  model: string;
  /** The version whose training set named the features (and their types). */
  modelVersion: string;
  predictions: { table: string; version: number };
  feedback: { table: string; version: number };
};

export interface FeedbackTrainingSetOptions {
  model: string;
  /** The table to save it as (a name in the project). */
  name: string;
  /** The model version whose features the set holds (a number or an alias); the newest by default. */
  version?: string;
  overwrite?: boolean;
}

export interface SavedFeedbackTrainingSet {
  name: string;
  version: number;
  rows: number;
  origin: FeedbackOrigin;
}

/**
 * Save, as a training set, exactly what a model was served and the labels fed back for it:
 * the prediction log joined with the latest label per row, the features unpacked into typed
 * columns (the types of the training set the model version learned from), and the label.
 * It carries that training set's feature definitions, so a model trained on it is served
 * with the same features, and it pins the log's versions, so `models reproduce` can build
 * it again however many predictions came since.
 */
export async function saveFeedbackTrainingSet(
  project: Project,
  engine: Engine,
  store: ModelStore,
  options: FeedbackTrainingSetOptions,
): Promise<SavedFeedbackTrainingSet> {
  const version = await resolveModelVersion(store, options.model, options.version ?? 'latest');
  const original = version.tags.find((t) => t.key === TRAINING_TAGS.trainingSet)?.value;
  if (original === undefined)
    throw new AquiferError('MODEL_NOT_SERVABLE', `Version ${version.version} of ${options.model} was not trained on a saved training set`, {
      value: { model: options.model, version: version.version },
      hint: 'A feedback training set takes its features from the training set the version learned from; name a version trained by `aquifer train`.',
    });
  const source = await DeltaTable.open(project.tablePath(original), { engine, stores: project.stores });
  const definition = await trainingSetDefinition(source);
  const types = new Map((await source.snapshot()).schema.fields.map((f) => [f.name, f.type]));
  const predictions = await pinned(project, engine, predictionsTable(options.model));
  const feedback = await pinned(project, engine, feedbackTable(options.model));
  const origin: FeedbackOrigin = {
    kind: 'feedback',
    model: options.model,
    modelVersion: String(version.version),
    predictions: { table: predictionsTable(options.model), version: predictions.version },
    feedback: { table: feedbackTable(options.model), version: feedback.version },
  };
  const sql = await feedbackRowsSql(project, engine, origin, definition, types);
  const { views: _views, sources: _sources, createdAt: _createdAt, ...kept } = definition;
  const set = new TrainingSet(
    engine,
    sql,
    // No views: the rows are not joined from tables at all; the origin says how to build them again.
    { ...kept, views: [], sources: [], timestampColumn: 'predicted_at', origin },
    project.stores,
    {
      project: project.root,
      projectName: project.config.name,
      inputs: [predictions.dataset, feedback.dataset],
    },
  );
  const { result } = await set.save(project.tablePath(options.name), { overwrite: options.overwrite === true });
  return { name: options.name, version: result.version, rows: result.rows, origin };
}

/** The origin of a saved feedback training set, or undefined for one joined from feature views. */
export function feedbackOriginOf(definition: TrainingSetDefinition): FeedbackOrigin | undefined {
  return definition.origin?.kind === 'feedback' ? (definition.origin as unknown as FeedbackOrigin) : undefined;
}

/**
 * The rows of a feedback training set from its origin's pinned versions: what `save` wrote,
 * and what `reproduce` builds again. Rows are in prediction order; an entity key or feature
 * is cast to the type the original training set gave it, the label keeps its JSON type
 * (a number, a boolean or text).
 */
export async function feedbackRowsSql(
  project: Project,
  engine: Engine,
  origin: FeedbackOrigin,
  definition: Pick<TrainingSetDefinition, 'featureColumns'>,
  types: ReadonlyMap<string, DataType>,
): Promise<string> {
  const scan = async (table: string, version: number) =>
    (await (await DeltaTable.open(project.tablePath(table, { internal: true }), { engine, stores: project.stores })).scan({ version })).sql();
  const predictions = await scan(origin.predictions.table, origin.predictions.version);
  const feedback = await scan(origin.feedback.table, origin.feedback.version);
  // The entity key columns are whatever the log recorded under `entities`.
  const keyRows = await engine.query(`SELECT DISTINCT unnest(json_keys(entities)) AS key FROM (${predictions}) ORDER BY key`);
  const keys = keyRows.map((r) => String(r['key'])).filter((k) => !definition.featureColumns.includes(k));
  const typed = (json: string, column: string) => {
    const type = types.get(column);
    const text = `json_extract_string(${json}, ${jsonPathKey(column)})`;
    return `${type === undefined ? text : `CAST(${text} AS ${toDuckDBType(type)})`} AS ${quoteIdent(column)}`;
  };
  const label = await labelType(engine, feedback);
  return `SELECT request_id, row_index, version AS model_version, predicted_at,
  ${[...keys.map((k) => typed('entities', k)), ...definition.featureColumns.map((c) => typed('features', c))].join(',\n  ')},
  ${label === 'VARCHAR' ? `json_extract_string(label, '$')` : `CAST(json_extract_string(label, '$') AS ${label})`} AS label
FROM (${labeledPredictionsSql(predictions, feedback)})
ORDER BY predicted_at, request_id, row_index`;
}

/** The narrowest DuckDB type that holds every label: BIGINT, DOUBLE, BOOLEAN, else text. */
async function labelType(engine: Engine, feedback: string): Promise<'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'VARCHAR'> {
  const kinds = (await engine.query(`SELECT DISTINCT json_type(label) AS kind FROM (${feedback}) WHERE json_type(label) <> 'NULL'`)).map((r) =>
    String(r['kind']),
  );
  if (kinds.length === 0) return 'VARCHAR';
  if (kinds.every((k) => k === 'BIGINT' || k === 'UBIGINT')) return 'BIGINT';
  if (kinds.every((k) => k === 'BIGINT' || k === 'UBIGINT' || k === 'DOUBLE')) return 'DOUBLE';
  if (kinds.every((k) => k === 'BOOLEAN')) return 'BOOLEAN';
  return 'VARCHAR';
}

async function pinned(project: Project, engine: Engine, table: string): Promise<{ version: number; dataset: DatasetRef }> {
  try {
    const opened = await DeltaTable.open(project.tablePath(table, { internal: true }), { engine, stores: project.stores });
    const snapshot = await opened.snapshot();
    return { version: snapshot.version, dataset: { ...tableDataset(opened.location), kind: 'table', version: String(snapshot.version) } };
  } catch (error) {
    if (!(error instanceof TableNotFoundError)) throw error;
    throw new AquiferError('MODEL_FEEDBACK_NOT_FOUND', `The model has no ${table} table yet`, {
      value: { table },
      hint: 'Serve the model (predictions are logged) and post labels to /v1/models/{name}/feedback first.',
      cause: error,
    });
  }
}
