import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { ArtifactStore, openModelStore } from '../../src/models/index.js';
import { Project } from '../../src/project/index.js';
import { startServer, TokenStore, type RunningServer } from '../../src/server/index.js';
import { MODELS_PYTHON, modelsPythonAvailable, perColumnModel, registerOnnxVersion, sklearnLogisticRegression } from '../support/onnx-models.js';
import { REPO_ROOT } from '../support/shared.js';
import { tempDir } from '../support/temp.js';

const SCRIPT = path.join(REPO_ROOT, 'test', 'support', 'triton_client.py');

/** Rows from their index (no random source): three features, a label that depends on them. */
const X = Array.from({ length: 24 }, (_, i) => [((i * 37) % 100) / 100, ((i * 53) % 100) / 100, ((i * 11) % 30) / 30]);
const y = X.map(([a, b, c]) => (a! + b! - c! > 0.5 ? 1 : 0));
const ROWS = { conv_rate: X.map((r) => r[0]!), acc_rate: X.map((r) => r[1]!), trips: X.map((_, i) => (i * 7) % 30) };

/** What triton_client.py reports: per call, whether each output equals Python onnxruntime's, and the refusals. */
type Report = Record<string, Record<string, unknown>>;

describe.runIf(modelsPythonAvailable())("Triton's Python client (tritonclient[http]) against aquifer serve", () => {
  let engine: Engine;
  let server: RunningServer;
  let report: Report;

  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
    const project = await Project.init(await tempDir('aquifer-oip-client-'));
    const lr = await sklearnLogisticRegression({ X, y, eval: X });
    const perColumn = await perColumnModel(ROWS);
    const store = await openModelStore(project);
    const artifacts = ArtifactStore.forProject(project);
    await registerOnnxVersion(store, artifacts, 'triton_lr', { 'model.onnx': lr.bytes });
    await registerOnnxVersion(store, artifacts, 'per_column', { 'model.onnx': perColumn.bytes });
    await store.close();
    const files = await tempDir('aquifer-oip-onnx-');
    await writeFile(path.join(files, 'lr.onnx'), lr.bytes);
    await writeFile(path.join(files, 'per_column.onnx'), perColumn.bytes);
    const token = (await TokenStore.forProject(project).create({ role: 'reader' })).token;
    server = await startServer({ engine, project, port: 0 });
    const job = {
      url: new URL(server.url).host,
      token,
      lr: { model: 'triton_lr', onnx: path.join(files, 'lr.onnx'), X },
      per_column: { model: 'per_column', onnx: path.join(files, 'per_column.onnx'), rows: ROWS },
    };
    report = JSON.parse(await python(job)) as Report;
  }, 240_000);

  afterAll(async () => {
    await server?.close();
    engine?.close();
  });

  it('finds the binary tensor data extension in the server metadata', () => {
    expect(report['server']).toMatchObject({ name: 'aquifer', extensions: ['binary_tensor_data'] });
  });

  it("answers binary and JSON inputs and outputs, in every mix, with the outputs Python's onnxruntime gives", () => {
    for (const inputs of ['binary', 'json'])
      for (const outputs of ['binary', 'json']) {
        const call = report[`lr inputs ${inputs}, outputs ${outputs}`];
        expect(call, `${inputs}/${outputs}`).toMatchObject({ equal: { label: true, probabilities: true }, id: 'r-1', model_version: '1' });
        // Binary outputs carry their byte size: INT64 labels and FP32 probabilities of 24 rows.
        expect(call?.['binary_sizes']).toEqual(outputs === 'binary' ? [24 * 8, 24 * 2 * 4] : [null, null]);
      }
  });

  it('answers every output as binary data when none is named, by version, and binary inputs of FP32, FP64 and INT64', () => {
    expect(report['lr all outputs, version 1']).toEqual({ equal: { label: true, probabilities: true }, names: ['label', 'probabilities'] });
    expect(report['per column binary']).toEqual({ equal: { score: true } });
  });

  it("hands the client the server's refusals as the protocol's errors, with their statuses", () => {
    expect(report['wrong datatype']).toEqual({ status: '400', message: expect.stringContaining('FP32') });
    expect(report['unknown model']).toEqual({ status: '404', message: expect.stringContaining('nobody') });
    expect(report['no token']).toMatchObject({ status: '401' });
  });
});

function python(job: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(MODELS_PYTHON as string, [SCRIPT], { maxBuffer: 16 << 20, timeout: 180_000 }, (error, stdout, stderr) =>
      error === null ? resolve(stdout) : reject(new Error(`triton_client.py failed: ${error.message}\n${stdout.slice(-3000)}\n${stderr}`)),
    );
    child.stdin?.end(JSON.stringify(job));
  });
}
