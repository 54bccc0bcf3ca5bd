import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Engine } from '../../src/engine/index.js';
import { FeatureStore, readProjectDefinitions } from '../../src/features/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { available, REPO_ROOT } from './shared.js';
import { tempDir } from './temp.js';

/** The models venv's python (`bash scripts/python-env.sh models`: MLflow, scikit-learn, skl2onnx, onnxruntime). */
export const MODELS_PYTHON = process.env['AQUIFER_MODELS_PYTHON'];

export function modelsPythonAvailable(): boolean {
  return available('the models venv (AQUIFER_MODELS_PYTHON from bash scripts/python-env.sh models)', MODELS_PYTHON !== undefined && MODELS_PYTHON !== '');
}

/** Fits a logistic regression on the handed-over training set and writes model.onnx and metrics.json. */
export const TRAIN_ONNX_SCRIPT = path.join(REPO_ROOT, 'test', 'support', 'train_onnx.py');

export const FEATURES = ['user_stats:f0', 'user_stats:f1', 'user_stats:f2', 'user_stats:f3'];

/** The features.json of a model project: users with four double features, and a service over them. */
export const USER_STATS_DEFINITIONS = {
  entities: [{ name: 'user', joinKeys: [{ name: 'user_id', type: 'string' }] }],
  featureViews: [
    {
      name: 'user_stats',
      entities: ['user'],
      source: { kind: 'table', table: 'user_stats', timestampField: 'ts' },
      features: ['f0', 'f1', 'f2', 'f3'].map((name) => ({ name, type: 'double' })),
    },
  ],
  featureServices: [{ name: 'churn_features', features: FEATURES }],
};

/**
 * A project with one entity (user), a feature view of four doubles over `user_stats`
 * (USERS users, values a pure function of the id), and a saved training set `churn_train`
 * of every user at one time with a `label` column.
 */
export async function createModelProject(engine: Engine, users = 200): Promise<Project> {
  const project = await Project.init(path.join(await tempDir('aquifer-models-'), 'project'));
  await DeltaTable.create(project.tablePath('user_stats'), {
    engine,
    data: {
      sql: `SELECT 'u' || i AS user_id, TIMESTAMPTZ '2024-05-01 00:00:00+00' AS ts,
              ((i * 37) % 101) / 10.0 AS f0, ((i * 53) % 89) / 7.0 AS f1, ((i * 11) % 17)::DOUBLE AS f2, (i % 5) / 2.0 AS f3
            FROM range(${users}) t(i)`,
    },
  });
  await writeFile(project.featuresPath, JSON.stringify(USER_STATS_DEFINITIONS));
  const store = new FeatureStore(project, engine, await readProjectDefinitions(project));
  const set = await store.historicalFeatures({
    entityRows: {
      sql: `SELECT 'u' || i AS user_id, TIMESTAMPTZ '2024-06-01 00:00:00+00' AS event_timestamp,
              (((i * 37) % 101) / 10.0 + ((i * 53) % 89) / 7.0 > 10)::INTEGER AS label
            FROM range(${users}) t(i)`,
    },
    features: FEATURES,
  });
  await set.save(project.tablePath('churn_train'));
  return project;
}

/**
 * New data lands in a model project where the relation to the label turned around: every
 * user's f0 and f1 are mirrored (10 − f0, 89/7 − f1) at a time before the training set's
 * event time, so the label (f0 + f1 > 10 on the old values) is now high when the new f0 + f1
 * is low; and `churn_holdout` holds users the training set never saw (200–399) with their new
 * features and label. A version trained on the old relation scores poorly on it.
 */
export async function landChangedRelation(project: Project, engine: Engine, users = 200): Promise<void> {
  const features = (i: string) =>
    `10 - ((${i} * 37) % 101) / 10.0 AS f0, 89 / 7.0 - ((${i} * 53) % 89) / 7.0 AS f1, ((${i} * 11) % 17)::DOUBLE AS f2, (${i} % 5) / 2.0 AS f3`;
  const stats = await DeltaTable.open(project.tablePath('user_stats'), { engine, stores: project.stores });
  await stats.append({ sql: `SELECT 'u' || i AS user_id, TIMESTAMPTZ '2024-05-15 00:00:00+00' AS ts, ${features('i')} FROM range(${users}) t(i)` });
  await DeltaTable.create(project.tablePath('churn_holdout'), {
    engine,
    data: {
      sql: `SELECT 'u' || i AS user_id, ${features('i')}, (((i * 37) % 101) / 10.0 + ((i * 53) % 89) / 7.0 > 10)::INTEGER AS label
            FROM range(${users}, ${2 * users}) t(i)`,
    },
  });
}
