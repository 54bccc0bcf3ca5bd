import type { Engine } from '../../engine/index.js';
import type { ModelStore, ModelVersion } from '../../models/index.js';
import type { Project } from '../../project/index.js';
import { DeltaTable, TableNotFoundError } from '../../table/index.js';
import { ModelNoFeedbackError, ModelNoTrainingSetError } from './errors.js';

type Models = typeof import('../../models/index.js');

/**
 * The models capability, loaded on first use: table drift (and `aquifer monitor drift` on
 * tables) does not load ONNX Runtime and the registry's drivers, which it never uses.
 */
export const models = (): Promise<Models> => import('../../models/index.js');

/** The training set a model version learned from, as its tags and its run's manifest record it. */
export interface VersionTrainingSet {
  /** The saved training set's table name in the project. */
  name: string;
  /** The table version handed to the training command (the tag `aquifer.training_set.version`); the latest when not recorded. */
  version: number | undefined;
  /** The columns the model reads, in its input order; the prediction log keeps their values under these names. */
  featureColumns: string[];
  /** The label column training was told of (from the run's manifest), when there was one. */
  label: string | undefined;
}

/** Run a function with the registry given, or with the project's, opened for it and closed after. */
export async function withModelStore<T>(project: Project, store: ModelStore | undefined, fn: (store: ModelStore) => Promise<T>): Promise<T> {
  if (store !== undefined) return fn(store);
  const opened = await (await models()).openModelStore(project);
  try {
    return await fn(opened);
  } finally {
    await opened.close();
  }
}

/** A version by number, alias (`champion`, `@champion`) or `latest`, from the registry. */
export async function modelVersion(store: ModelStore, model: string, reference: string | number | undefined): Promise<ModelVersion> {
  return (await models()).resolveModelVersion(store, model, reference ?? 'latest');
}

/**
 * The training set behind a version: its `aquifer.training_set` tags (what `aquifer train`
 * puts on the versions it registers) and the label named in the run's manifest artifact.
 */
export async function versionTrainingSet(project: Project, engine: Engine, store: ModelStore, version: ModelVersion): Promise<VersionTrainingSet> {
  const { ArtifactStore, modelFeatures, recordedTraining, TRAINING_TAGS } = await models();
  const tag = (key: string) => version.tags.find((t) => t.key === key)?.value;
  const name = tag(TRAINING_TAGS.trainingSet);
  if (name === undefined) throw new ModelNoTrainingSetError(version.name, String(version.version));
  const pinned = tag(TRAINING_TAGS.trainingSetVersion);
  const { featureColumns } = await modelFeatures(project, engine, name);
  const { label } = await recordedTraining(store, ArtifactStore.forProject(project), version);
  return { name, version: pinned === undefined ? undefined : Number(pinned), featureColumns, label };
}

/** The scan SQL of a model's prediction log or feedback table at its latest version; undefined while it does not exist. */
export async function logTableSql(project: Project, engine: Engine, model: string, which: 'predictions' | 'feedback'): Promise<string | undefined> {
  const { feedbackTable, predictionsTable } = await models();
  const table = which === 'predictions' ? predictionsTable(model) : feedbackTable(model);
  try {
    return await (await (await DeltaTable.open(project.tablePath(table, { internal: true }), { engine, stores: project.stores })).scan()).sql();
  } catch (error) {
    if (error instanceof TableNotFoundError) return undefined;
    throw error;
  }
}

/** The model's predictions joined with their labels: both tables must exist. */
export async function requireLogTables(project: Project, engine: Engine, model: string): Promise<{ predictions: string; feedback: string }> {
  const { feedbackTable, predictionsTable } = await models();
  const predictions = await logTableSql(project, engine, model, 'predictions');
  if (predictions === undefined) throw new ModelNoFeedbackError(model, predictionsTable(model));
  const feedback = await logTableSql(project, engine, model, 'feedback');
  if (feedback === undefined) throw new ModelNoFeedbackError(model, feedbackTable(model));
  return { predictions, feedback };
}
