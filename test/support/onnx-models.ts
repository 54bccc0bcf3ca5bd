import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { artifactPath, type ArtifactStore, type ModelStore, type ModelVersion, type Tag } from '../../src/models/index.js';
import { available, REPO_ROOT } from './shared.js';
import { tempDir } from './temp.js';

/** The models venv's interpreter (`bash scripts/python-env.sh models`), when AQUIFER_MODELS_PYTHON names it. */
export const MODELS_PYTHON = process.env['AQUIFER_MODELS_PYTHON'];

export const modelsPythonAvailable = (): boolean =>
  available('the models Python (AQUIFER_MODELS_PYTHON from `bash scripts/python-env.sh models`)', MODELS_PYTHON !== undefined && MODELS_PYTHON !== '');

export interface SklearnModel {
  /** The ONNX file's bytes. */
  bytes: Uint8Array;
  /** What Python's onnxruntime predicts for the eval rows. */
  label: number[];
  probabilities?: number[][];
  outputs: string[];
}

/** A LogisticRegression trained by scikit-learn on X, y, exported by skl2onnx (ZipMap off unless asked), and its eval predictions from Python. */
export async function sklearnLogisticRegression(job: {
  X: number[][];
  y: number[];
  eval: number[][];
  zipmap?: boolean;
  input?: string;
}): Promise<SklearnModel> {
  const out = path.join(await tempDir('aquifer-onnx-'), 'model.onnx');
  const answer = JSON.parse(await runPython('sklearn_onnx.py', { ...job, out })) as Omit<SklearnModel, 'bytes'>;
  return { ...answer, bytes: await readFile(out) };
}

/**
 * A hand-built ONNX model with one input per feature column (conv_rate FLOAT [N, 1], acc_rate
 * DOUBLE [N], trips INT64 [N, 1]) and one output `score` [N, 1], and its scores for `rows` from
 * Python's onnxruntime.
 */
export async function perColumnModel(rows: { conv_rate: number[]; acc_rate: number[]; trips: number[] }): Promise<{ bytes: Uint8Array; score: number[][] }> {
  const out = path.join(await tempDir('aquifer-onnx-'), 'model.onnx');
  const answer = JSON.parse(await runPython('onnx_per_column.py', { rows, out })) as { score: number[][] };
  return { ...answer, bytes: await readFile(out) };
}

/** Run a script of test/support with the models Python, the job as JSON on stdin; its stdout. */
function runPython(script: string, job: unknown): Promise<string> {
  const child = execFile(MODELS_PYTHON as string, [path.join(REPO_ROOT, 'test', 'support', script)], { maxBuffer: 64 << 20 });
  const done = new Promise<string>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${script} exited ${code}: ${stderr}`))));
  });
  child.stdin?.end(JSON.stringify(job));
  return done;
}

/**
 * Register ONNX bytes as a new version of `name` the way `aquifer train` and MLflow 3 do: a
 * logged model in an experiment, its files among the logged model's artifacts, a version
 * whose source is `models:/<model id>`.
 */
export async function registerOnnxVersion(
  store: ModelStore,
  artifacts: ArtifactStore,
  name: string,
  files: Record<string, Uint8Array | string>,
  tags: Tag[] = [],
): Promise<ModelVersion> {
  const experiment = (await store.findExperiment('serving-tests')) ?? (await store.createExperiment('serving-tests'));
  const logged = await store.createLoggedModel({ experimentId: experiment.experimentId, name });
  for (const [file, data] of Object.entries(files)) await artifacts.put(`${artifactPath(logged.artifactLocation)}/${file}`, data);
  try {
    await store.getRegisteredModel(name);
  } catch {
    await store.createRegisteredModel(name);
  }
  return store.createModelVersion({ name, source: `models:/${logged.modelId}`, modelId: logged.modelId, tags });
}
