import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ArtifactStore, openModelStore } from '../../../src/models/index.js';
import { MODELS_PYTHON, modelsPythonAvailable } from '../../support/model-project.js';
import { REPO_ROOT } from '../../support/shared.js';
import { tempDir } from '../../support/temp.js';
import { useMlflowServer } from './fixture.js';

const run = promisify(execFile);
const SCRIPT = path.join(REPO_ROOT, 'test', 'support', 'mlflow_client.py');
const present = modelsPythonAvailable();
const fixture = useMlflowServer();

/** What mlflow_client.py read back through MlflowClient. */
interface ReadBack {
  run_id: string;
  model_id: string;
  model_uri: string;
  experiment_id: string;
  artifact_uri: string;
  [key: string]: unknown;
}

async function mlflowClient(experiment: string, model: string): Promise<ReadBack> {
  const out = await tempDir('aquifer-mlflow-client-');
  const { stdout } = await run(MODELS_PYTHON as string, [SCRIPT, experiment, model, out], {
    env: {
      ...process.env,
      MLFLOW_TRACKING_URI: fixture.server.url,
      MLFLOW_TRACKING_TOKEN: fixture.tokens.writer,
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
      MLFLOW_HTTP_REQUEST_TIMEOUT: '60',
      GIT_PYTHON_REFRESH: 'quiet',
    },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 240_000,
  });
  const lines = stdout.trim().split('\n');
  return { ...(JSON.parse(lines[lines.length - 1] as string) as ReadBack), out } as ReadBack;
}

describe.runIf(present)('the MLflow Python client against aquifer serve', () => {
  it('logs a run with params, stepped metrics, artifacts, a dataset and a registered ONNX model, and reads back exactly what it logged; the version is served at /v2/models/NAME@champion/infer with the predictions Python gets', async () => {
    const got = await mlflowClient('roundtrip', 'churn-lr');
    expect(got).toMatchObject({
      status: 'FINISHED',
      run_name: 'aquifer-roundtrip',
      artifact_uri: `mlflow-artifacts:/${got.experiment_id}/${got.run_id}/artifacts`,
      model_uri: `models:/${got.model_id}`,
      params: { C: '1.0', penalty: 'l2', n_features: '4' },
      metrics: { loss: 0.25, acc: 0.97, auc: 0.99 },
      tags: { team: 'models' },
      inputs: [['trainset', [['mlflow.data.context', 'training']]]],
      // log_model re-logs the first point with its model id: still three points, as MLflow keeps them.
      loss_history: [
        [0, 1.0],
        [1, 0.5],
        [2, 0.25],
      ],
      artifacts: [
        ['cfg', true],
        ['extra', true],
      ],
      extra: [['extra/notes.txt', 15]],
      downloaded: 'hello, aquifer\n',
      registered_model: { name: 'churn-lr', aliases: { champion: '1' }, latest: ['1'] },
      model_version: { version: '1', source: `models:/${got.model_id}`, run_id: got.run_id, status: 'READY', aliases: ['champion'] },
      by_alias: '1',
      search_runs: [got.run_id],
      search_runs_none: [],
      search_versions: ['1'],
      loaded_graph_inputs: ['float_input'],
      loaded_same_bytes: true,
    });

    // The same run, opened the way `aquifer models` opens it.
    const store = await openModelStore(fixture.project);
    try {
      const stored = await store.getRun(got.run_id);
      expect(stored.info).toMatchObject({ status: 'FINISHED', runName: 'aquifer-roundtrip', experimentId: got.experiment_id });
      expect((await store.metricHistory(got.run_id, 'loss')).map((m) => [m.step, m.value])).toEqual([
        [0, 1.0],
        [1, 0.5],
        [2, 0.25],
      ]);
      const model = await store.getLoggedModel(got.model_id);
      expect(model).toMatchObject({ status: 'LOGGED_MODEL_READY', sourceRunId: got.run_id });
      const artifacts = ArtifactStore.forProject(fixture.project);
      const prefix = `${got.experiment_id}/models/${got.model_id}/artifacts`;
      expect((await artifacts.list(prefix)).map((e) => e.path)).toContain('model.onnx');
      const logged = await readFile(path.join(String(got['out']), 'model.onnx'));
      expect(Buffer.from(await artifacts.get(`${prefix}/model.onnx`)).equals(logged)).toBe(true);
    } finally {
      await store.close();
    }

    // The registered version is served with no further step, and answers what onnxruntime gave in Python.
    const predicted = got['predicted'] as { label: number[]; probabilities: number[][] };
    const infer = await fetch(`${fixture.server.url}/v2/models/churn-lr@champion/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${fixture.tokens.reader}` },
      body: JSON.stringify({ inputs: [{ name: 'float_input', shape: [5, 4], datatype: 'FP32', data: got['features'] }] }),
    });
    const answer = (await infer.json()) as { model_version: string; outputs: { name: string; data: number[] }[] };
    expect(infer.status, JSON.stringify(answer)).toBe(200);
    expect(answer.model_version).toBe('1');
    expect(answer.outputs.find((o) => o.name === 'label')?.data).toEqual(predicted.label);
    const probabilities = answer.outputs.find((o) => o.name === 'probabilities')?.data ?? [];
    expect(probabilities).toHaveLength(10);
    probabilities.forEach((p, i) => expect(Math.abs(p - (predicted.probabilities.flat()[i] as number))).toBeLessThanOrEqual(1e-6));

    // A second run registering the same name is its version 2.
    const again = await mlflowClient('roundtrip', 'churn-lr');
    expect(again).toMatchObject({ model_version: { version: '2', run_id: again.run_id }, search_versions: ['2', '1'], registered_model: { latest: ['2'] } });
  }, 600_000);
});
