import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS_FOLDER } from '../../src/models/index.js';
import { openObjectStore } from '../../src/storage/index.js';
import { useLocalAndS3Projects } from '../support/s3-project.js';
import { startServe } from '../support/serve.js';
import { minioAvailable } from '../support/services.js';
import { REPO_ROOT } from '../support/shared.js';
import { USER_STATS_DEFINITIONS } from '../support/model-project.js';

const minioReady = await minioAvailable();

/** The demo's Node trainer: reads the handed-over Parquet with DuckDB, writes model.onnx and metrics.json. */
const TRAINER = path.join(REPO_ROOT, 'demo', 'train_model.mjs');

interface Trained {
  exitCode: number;
  run: { runId: string; experimentId: string };
  trainingSet: { rows: number; digest: string };
  version: { version: number; modelId: string } | null;
}

describe.skipIf(!minioReady)('models of a project whose tables live in S3 (MinIO)', () => {
  const context = useLocalAndS3Projects('s3-models');

  it('trains, reproduces, serves and proxies MLflow artifacts with the artifacts beside the tables in the bucket, as a local project does with .aquifer/artifacts', async () => {
    const { engine, inputs, bucket } = context();
    const file = (name: string) => path.join(inputs, name);
    const copy = (sql: string, name: string) => engine.run(`COPY (${sql}) TO '${file(name)}' (FORMAT parquet)`);
    const stats = (day: string, scale: number) =>
      `SELECT 'u' || i AS user_id, TIMESTAMPTZ '${day} 00:00:00+00' AS ts, ((i * 37) % 101) / 10.0 * ${scale} AS f0, ((i * 53) % 89) / 7.0 AS f1,
         ((i * 11) % 17)::DOUBLE AS f2, (i % 5) / 2.0 AS f3 FROM range(80) t(i)`;
    await copy(stats('2024-05-01', 1), 'stats-0.parquet');
    await copy(stats('2024-05-15', 3), 'stats-1.parquet');
    await copy(
      `SELECT 'u' || i AS user_id, TIMESTAMPTZ '2024-06-01 00:00:00+00' AS event_timestamp,
         (((i * 37) % 101) / 10.0 + ((i * 53) % 89) / 7.0 > 10)::INTEGER AS label FROM range(80) t(i)`,
      'rows.parquet',
    );

    const local = await context().same(async (side) => {
      await side.cli(['table', 'create', 'user_stats', '--from', file('stats-0.parquet')]);
      await writeFile(side.project.featuresPath, JSON.stringify(USER_STATS_DEFINITIONS));
      await side.cli(['apply']);
      await side.cli(['training-set', 'create', 'churn_train', '--entities', file('rows.parquet'), '--features', 'churn_features']);
      await side.cli(['materialize', '2024-04-01T00:00:00Z', '2024-06-02T00:00:00Z']);

      // The tracking server `aquifer train` starts for the command is on too: it opens the same artifacts.
      const train = await side.cli([
        'train',
        'churn',
        '--training-set',
        'churn_train',
        '--label',
        'label',
        '--format',
        'json',
        '--',
        process.execPath,
        TRAINER,
      ]);
      const trained = JSON.parse(train.stdout) as Trained;
      expect(trained.version?.version).toBe(1);
      // Whatever lands after training, reproduce recreates the pinned set (reading the tables in the bucket).
      await side.cli(['table', 'append', 'user_stats', '--from', file('stats-1.parquet')]);
      const reproduced = await side.json<{ identical: boolean; expected: unknown; actual: unknown }>(['models', 'reproduce', 'churn', '1']);

      const server = await startServe(['serve', '--port', '0', '--anonymous', 'loopback'], { cwd: side.project.root });
      let served: unknown;
      let proxied: { listed: unknown; read: string };
      try {
        const predict = await fetch(`${server.url}/v1/models/churn/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ entities: { user_id: ['u1', 'u2', 'u7'] } }),
        });
        expect(predict.status, await predict.clone().text()).toBe(200);
        const { request_id: _id, ...answer } = (await predict.json()) as Record<string, unknown>;
        served = answer;
        // MLflow's artifact proxy: an upload into the run's folder, listed and read back.
        const runFolder = `${trained.run.experimentId}/${trained.run.runId}/artifacts`;
        const artifacts = `${server.url}/api/2.0/mlflow-artifacts/artifacts`;
        const put = await fetch(`${artifacts}/${runFolder}/notes/readme.txt`, { method: 'PUT', body: 'logged through the proxy' });
        expect(put.status).toBe(200);
        const listed = (await (await fetch(`${artifacts}?path=${encodeURIComponent(runFolder)}`)).json()) as unknown;
        const read = await (await fetch(`${artifacts}/${runFolder}/notes/readme.txt`)).text();
        proxied = { listed, read };
      } finally {
        expect(await server.stop()).toBe(0);
      }

      // Where the files are: in the bucket beside the tables (and nothing under .aquifer/artifacts), or in the project folder.
      const localFolder = path.join(side.project.root, '.aquifer', 'artifacts');
      const where = side.kind === 's3' ? `${side.storage}/${ARTIFACTS_FOLDER}` : localFolder;
      if (side.kind === 's3') {
        expect(where).toBe(`s3://${bucket}/${side.unique}/_artifacts`);
        expect(existsSync(localFolder), 'no artifact is kept on the local disk').toBe(false);
      }
      const store = openObjectStore(where);
      const keys = (await store.list('', { recursive: true })).map((o) => o.path);
      store.close?.();
      const named = (key: string) => key.replaceAll(trained.run.runId, '<run>').replaceAll(trained.version?.modelId ?? '<none>', '<model>');
      return {
        trained: { exitCode: trained.exitCode, trainingSet: trained.trainingSet, version: trained.version?.version },
        reproduced,
        served,
        proxied,
        artifacts: keys.map(named).sort(),
      };
    });

    expect(local.reproduced).toMatchObject({ identical: true, expected: { rows: 80 } });
    expect((local.served as { predictions: unknown[] }).predictions).toHaveLength(3);
    expect(local.proxied.read).toBe('logged through the proxy');
    expect(local.artifacts).toEqual([
      '1/<run>/artifacts/logs/stderr.txt',
      '1/<run>/artifacts/logs/stdout.txt',
      '1/<run>/artifacts/notes/readme.txt',
      '1/<run>/artifacts/training-set/manifest.json',
      '1/models/<model>/artifacts/model.onnx',
    ]);
  });
});
