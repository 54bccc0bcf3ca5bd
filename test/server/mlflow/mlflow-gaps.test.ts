import { execFile, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELS_PYTHON, modelsPythonAvailable } from '../../support/model-project.js';
import { REPO_ROOT } from '../../support/shared.js';
import { tempDir } from '../../support/temp.js';
import { useMlflowServer } from './fixture.js';

const run = promisify(execFile);
const SCRIPT = path.join(REPO_ROOT, 'test', 'support', 'mlflow_gaps.py');
const present = modelsPythonAvailable();
const fixture = useMlflowServer();

type Gaps = Record<string, unknown>;

async function gaps(uri: string, token: string | undefined, prefix: string): Promise<Gaps> {
  const { stdout } = await run(MODELS_PYTHON as string, [SCRIPT, prefix, await tempDir('aquifer-mlflow-gaps-')], {
    env: {
      ...process.env,
      MLFLOW_TRACKING_URI: uri,
      ...(token === undefined ? {} : { MLFLOW_TRACKING_TOKEN: token }),
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
      MLFLOW_HTTP_REQUEST_TIMEOUT: '60',
      GIT_PYTHON_REFRESH: 'quiet',
    },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 240_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as Gaps;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A real `mlflow server` (the venv's 3.17.2, SQLite backend, local artifact proxy), the reference the answers are held to. */
function useReferenceServer(): { url: string } {
  const reference = { url: '' };
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    if (!present) return;
    const work = await tempDir('aquifer-mlflow-reference-');
    const port = await freePort();
    child = spawn(
      path.join(path.dirname(MODELS_PYTHON as string), 'mlflow'),
      ['server', '--backend-store-uri', `sqlite:///${path.join(work, 'mlflow.db')}`, '--artifacts-destination', path.join(work, 'artifacts')].concat([
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--workers',
        '1',
      ]),
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    reference.url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 180_000;
    for (;;) {
      try {
        if ((await fetch(`${reference.url}/health`)).ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`mlflow server did not start:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }, 200_000);
  afterAll(() => {
    child?.kill('SIGTERM');
  });
  return reference;
}

const reference = useReferenceServer();

/** Where Aquifer answers otherwise than MLflow 3.17.2, on purpose. */
const DEVIATIONS: Gaps = {
  // MLflow raises a bare MlflowException (500 INTERNAL_ERROR, which the client retries); it is the caller's mistake.
  archive_from_none: 'INVALID_PARAMETER_VALUE',
};

describe.runIf(present)('the MLflow Python client through the calls beyond the first pass, against aquifer serve and a real mlflow server', () => {
  it('deletes experiment tags, logged models and their tags, transitions stages, round-trips NaN and infinite metrics, keeps a logged model’s metrics, and falls back from multipart uploads, answering as mlflow server 3.17.2 does', async () => {
    const [ours, theirs] = await Promise.all([gaps(fixture.server.url, fixture.tokens.writer, 'aq'), gaps(reference.url, undefined, 'ml')]);

    // What the real server answered, held by hand so a change on either side shows here.
    expect(theirs).toMatchObject({
      experiment_tags: [
        ['keep', '1'],
        ['more', '3'],
      ],
      delete_missing_experiment_tag: 'RESOURCE_DOES_NOT_EXIST',
      get_deleted_logged_model: 'RESOURCE_DOES_NOT_EXIST',
      download_uri_after_delete: true,
      search_after_delete: ['kept'],
      stages: [
        ['3', 'Production'],
        ['2', 'Archived'],
        ['1', 'Staging'],
        ['4', 'None'],
      ],
      latest_production: [['3', 'Production']],
      bad_stage: 'INVALID_PARAMETER_VALUE',
      archive_from_none: 'INTERNAL_ERROR',
      history: {
        odd: [
          [0, 'nan'],
          [1, '1.7976931348623157e+308'],
          [2, '-1.7976931348623157e+308'],
          [3, '0.0'],
        ],
        'nan-then-zero': [
          [0, '0.0'],
          [0, 'nan'],
        ],
      },
      run_metrics: { odd: '0.0', 'nan-then-zero': 'nan', batch: '1.7976931348623157e+308' },
      raw_history: [200, { metrics: [{ key: 'odd', value: 'NaN', timestamp: 1_700_000_000_000, step: 0 }, {}, {}, {}] }],
      fluent_loss_history: [
        [0, '1.0', null],
        [1, '0.5', null],
      ],
      multipart_round_trip: true,
      logged_model_params: [
        ['alpha', '0.1'],
        ['beta', 'x'],
        ['layers', '3'],
      ],
    });
    expect(theirs['logged_model_metrics']).toEqual([
      ['acc', '0.0', 1, 2, true, true, null, null],
      ['auc', '1.7976931348623157e+308', 2, 3, true, true, null, null],
      ['ds', '0.7', 3, 4, true, true, 'eval', 'abc'],
      ['f1', '0.8', 2, 3, true, true, null, null],
      ['loss', '0.5', 1, 1, true, true, null, null],
    ]);

    // Aquifer answers the same, but for its listed deviations.
    expect(ours).toEqual({ ...theirs, ...DEVIATIONS });
  }, 600_000);
});
