import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { openModelStore, train, type ModelStore } from '../../../src/models/index.js';
import { runMonitors, type ActionOutcome } from '../../../src/monitor/index.js';
import type { Project } from '../../../src/project/index.js';
import { startTrainingTracking } from '../../../src/server/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { createModelProject, MODELS_PYTHON, modelsPythonAvailable, TRAIN_ONNX_SCRIPT } from '../../support/model-project.js';
import { writeMonitor } from './fixture.js';

/**
 * A monitor's retrain action runs its training command with a tracking server up, as
 * `aquifer models retrain` does: the command (train_onnx.py --mlflow, a real mlflow client)
 * gets MLFLOW_TRACKING_URI and its logged metric lands on the retraining's run, not in a
 * local ./mlruns nobody reads.
 */
describe.runIf(modelsPythonAvailable())('a retraining a monitor sets going', () => {
  let engine: Engine;
  let project: Project;
  let store: ModelStore;

  beforeAll(async () => {
    engine = await Engine.create({ threads: 2 });
    project = await createModelProject(engine);
    store = await openModelStore(project);
    const trained = await train(project, engine, store, {
      model: 'churn',
      trainingSet: 'churn_train',
      label: 'label',
      command: [MODELS_PYTHON as string, TRAIN_ONNX_SCRIPT],
    });
    await store.setAlias('churn', 'champion', trained.version?.version as number);
    await DeltaTable.create(project.tablePath('churn_holdout'), {
      engine,
      data: {
        sql: `SELECT 'u' || i AS user_id, ((i * 37) % 101) / 10.0 AS f0, ((i * 53) % 89) / 7.0 AS f1, ((i * 11) % 17)::DOUBLE AS f2,
                (i % 5) / 2.0 AS f3, (((i * 37) % 101) / 10.0 + ((i * 53) % 89) / 7.0 > 10)::INTEGER AS label
              FROM range(200, 300) t(i)`,
      },
    });
    // Fires on its first run: the one commit of user_stats is far below `min`.
    await writeMonitor(project, 'too-few', {
      kind: 'volume',
      table: 'user_stats',
      every: '1h',
      per: 'commit',
      min: 1_000_000,
      actions: [
        {
          type: 'retrain',
          model: 'churn',
          holdout: { table: 'churn_holdout' },
          metric: 'accuracy',
          refresh: false,
          command: [MODELS_PYTHON as string, TRAIN_ONNX_SCRIPT, '--mlflow'],
        },
      ],
    });
  }, 300_000);

  afterAll(async () => {
    await store?.close();
    engine?.close();
  });

  it('runs the command with the tracking URI, and its logged metric lands on the run', async () => {
    const { results } = await runMonitors(project, { names: ['too-few'], engine, tracking: startTrainingTracking });
    expect(results[0]).toMatchObject({ status: 'breach', alert: 'firing' });
    const action = (results[0]?.details['actions'] as ActionOutcome[])[0];
    expect(action).toMatchObject({ type: 'retrain', model: 'churn' });
    expect(action !== undefined && 'runId' in action).toBe(true);
    const run = await store.getRun((action as Extract<ActionOutcome, { runId: string }>).runId);
    expect(run.info.status).toBe('FINISHED');
    expect(run.metrics.map((m) => m.key)).toContain('mlflow_accuracy');
    expect(run.params).toContainEqual(expect.objectContaining({ key: 'solver', value: 'lbfgs' }));
    expect(run.tags).toContainEqual(expect.objectContaining({ key: 'aquifer.retrain.trigger', value: 'too-few' }));
  }, 300_000);
});
