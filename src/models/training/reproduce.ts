import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { AquiferError } from '../../errors.js';
import type { Engine } from '../../engine/index.js';
import { FeatureStore, readProjectDefinitions, trainingSetDefinition, TrainingSet } from '../../features/index.js';
import { DeltaTable } from '../../table/index.js';
import { feedbackOriginOf, feedbackRowsSql } from '../serving/feedback-training-set.js';
import type { Project } from '../../project/index.js';
import type { ModelStore } from '../store/model-store.js';
import type { ModelVersion } from '../store/types.js';
import { rowsDigest, type RowsDigest } from './rows-digest.js';
import { TRAINING_TAGS } from './training-tags.js';
import { modelDataset, pinnedDatasets, trainingSetDataset } from './job-datasets.js';
import { tableDataset, withJobRun, withoutJobRuns, type JobRun } from '../../observe/index.js';

export interface Reproduction {
  model: string;
  version: number;
  trainingSet: string;
  /** What the version was trained on, as its tags recorded it. */
  expected: RowsDigest;
  /** What recreating the training set from its pinned table versions gave now. */
  actual: RowsDigest;
  identical: boolean;
}

/**
 * Recreate the training set a model version learned from, out of the table versions it
 * pinned (whatever landed since), and compare its rows with the digest recorded at training
 * time. The recreated rows go through a Delta table like the original's, so types and
 * values are rendered the same way before they are digested.
 */
export async function reproduce(project: Project, engine: Engine, store: ModelStore, model: string, version: number): Promise<Reproduction> {
  return withJobRun({ name: `models.reproduce.${model}`, type: 'REPRODUCE', project: project.root }, async (run) => {
    run.input(modelDataset(project.config.name, model, version));
    return reproduceVersion(project, engine, store, model, version, run);
  });
}

async function reproduceVersion(project: Project, engine: Engine, store: ModelStore, model: string, version: number, run: JobRun): Promise<Reproduction> {
  const modelVersion = await store.getModelVersion(model, version);
  const trainingSet = tag(modelVersion, TRAINING_TAGS.trainingSet);
  const setVersion = modelVersion.tags.find((t) => t.key === TRAINING_TAGS.trainingSetVersion)?.value;
  if (setVersion !== undefined) run.input(trainingSetDataset(project.config.name, trainingSet, setVersion));
  const expected = { rows: Number(tag(modelVersion, TRAINING_TAGS.trainingSetRows)), digest: tag(modelVersion, TRAINING_TAGS.trainingSetDigest) };
  // Offline only: recreating reads tables, never the online store.
  const features = new FeatureStore(project, engine, await readProjectDefinitions(project));
  const scratch = path.join(project.root, '.aquifer', 'tmp', `reproduce-${randomUUID()}`);
  try {
    // The scratch copy is no dataset of anyone's: the run reads the pinned tables, reported from the set's definition.
    const actual = await withoutJobRuns(async () => {
      const recreated = await recreate(project, engine, features, trainingSet, run);
      const { table } = await recreated.save(scratch);
      return rowsDigest(engine, await (await table.scan()).sql());
    });
    return { model, version, trainingSet, expected, actual, identical: actual.digest === expected.digest && actual.rows === expected.rows };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * The training set built again from what it pinned: feature views at their table versions,
 * or, for a feedback training set, the prediction log and labels at theirs.
 */
async function recreate(project: Project, engine: Engine, features: FeatureStore, name: string, run: JobRun): Promise<TrainingSet> {
  const saved = await DeltaTable.open(project.tablePath(name), { engine, stores: project.stores });
  const definition = await trainingSetDefinition(saved);
  const origin = feedbackOriginOf(definition);
  if (origin === undefined) {
    const recreated = await features.recreateTrainingSet({ table: saved, definition });
    for (const pinned of pinnedDatasets(project, recreated.definition.sources)) run.input(pinned);
    return recreated;
  }
  for (const pinned of [origin.predictions, origin.feedback])
    run.input({ ...tableDataset(project.tablePath(pinned.table, { internal: true })), kind: 'table', version: String(pinned.version) });
  const types = new Map((await saved.snapshot({ version: 0 })).schema.fields.map((f) => [f.name, f.type]));
  const { createdAt: _createdAt, ...kept } = definition;
  return new TrainingSet(engine, await feedbackRowsSql(project, engine, origin, definition, types), kept, project.stores);
}

function tag(version: ModelVersion, key: string): string {
  const found = version.tags.find((t) => t.key === key)?.value;
  if (found === undefined) {
    throw new AquiferError('MODEL_STORE_NOT_FOUND', `Version ${version.version} of ${version.name} records no ${key}`, {
      value: { model: version.name, version: version.version, tag: key },
      hint: 'Only versions trained by `aquifer train` (or train()) on a saved training set can be reproduced.',
    });
  }
  return found;
}
