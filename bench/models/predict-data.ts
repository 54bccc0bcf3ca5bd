import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Engine } from '../../src/engine/index.js';
import { FeatureRegistry, openAppliedFeatureStore, type FeatureRepository } from '../../src/features/index.js';
import { artifactPath, artifactsLocation, ArtifactStore, openModelStore, train } from '../../src/models/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { REPO_ROOT } from '../features/data.js';

export const MODEL = 'propensity';
export const VIEW = 'user_features';
export const FEATURES = Array.from({ length: 10 }, (_, i) => `f${i}`);

export interface PredictProject {
  root: string;
  /** The registered version's ONNX file, for the raw contender. */
  onnxFile: string;
  entities: number;
}

/**
 * A project with ENTITIES users × 10 double features (a pure function of the id) in a feature
 * view, materialized into LMDB; a saved training set of 5,000 users with a label; and a
 * 10-feature logistic regression trained on it by the demo's Node trainer (an ONNX graph),
 * registered as version 1, @champion.
 */
export async function predictProject(root: string, entities: number): Promise<PredictProject> {
  await rm(root, { recursive: true, force: true });
  const project = await Project.init(root, 'predict-bench');
  const engine = await Engine.create();
  try {
    const value = (i: number) => `((hash(i, ${i}) % 1000) / 100.0)::DOUBLE AS f${i}`;
    await DeltaTable.create(project.tablePath(VIEW), {
      engine,
      data: {
        sql: `SELECT 'u' || i AS user_id, TIMESTAMPTZ '2024-05-01 00:00:00+00' AS ts, ${FEATURES.map((_, i) => value(i)).join(', ')} FROM range(1, ${entities + 1}) t(i)`,
      },
    });
    const repository: FeatureRepository = {
      entities: [{ name: 'user', joinKeys: [{ name: 'user_id', type: 'string' }] }],
      featureViews: [
        {
          name: VIEW,
          entities: ['user'],
          source: { kind: 'table', table: VIEW, timestampField: 'ts' },
          features: FEATURES.map((name) => ({ name, type: 'double' })),
        },
      ],
    };
    await writeFile(project.featuresPath, JSON.stringify(repository));
    await new FeatureRegistry(project).apply(repository, engine);
    const store = await openAppliedFeatureStore(project, engine);
    try {
      await store.materialize('2024-01-01T00:00:00Z', '2024-06-01T00:00:00Z');
      const set = await store.historicalFeatures({
        entityRows: {
          sql: `SELECT 'u' || i AS user_id, TIMESTAMPTZ '2024-05-02 00:00:00+00' AS event_timestamp, (hash(i) % 2)::INTEGER AS label FROM range(1, 5001) t(i)`,
        },
        features: FEATURES.map((f) => `${VIEW}:${f}`),
      });
      await set.save(project.tablePath('propensity_train'));
    } finally {
      await store.online?.close();
    }
    const models = await openModelStore(project);
    try {
      const trained = await train(project, engine, models, {
        model: MODEL,
        trainingSet: 'propensity_train',
        label: 'label',
        command: [process.execPath, path.join(REPO_ROOT, 'demo', 'train_model.mjs')],
      });
      const version = trained.version;
      if (version === undefined) throw new Error(`training failed (exit ${trained.exitCode})`);
      await models.setAlias(MODEL, 'champion', version.version);
      const logged = await models.getLoggedModel(version.modelId as string);
      const onnxFile = path.join(artifactsLocation(project), ...artifactPath(logged.artifactLocation).split('/'), 'model.onnx');
      await ArtifactStore.forProject(project).get(`${artifactPath(logged.artifactLocation)}/model.onnx`);
      return { root, onnxFile, entities };
    } finally {
      await models.close();
    }
  } finally {
    project.close();
    engine.close();
  }
}
