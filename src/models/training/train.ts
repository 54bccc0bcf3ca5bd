import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AquiferError } from '../../errors.js';
import type { Engine } from '../../engine/index.js';
import type { Project } from '../../project/index.js';
import { ArtifactStore } from '../artifacts/artifact-store.js';
import { artifactPath } from '../artifacts/artifact-uri.js';
import type { ModelStore } from '../store/model-store.js';
import type { Metric, ModelVersion, Run, Tag } from '../store/types.js';
import { codeVersion } from './code-version.js';
import { OutputTail } from './output-tail.js';
import { TRAINING_TAGS } from './training-tags.js';
import { writeTrainingInput, type TrainingManifest } from './training-input.js';
import { modelDataset, pinnedDatasets, trainingSetDataset } from './job-datasets.js';
import { withJobRun } from '../../observe/index.js';

export interface TrainOptions {
  /** The registered model a successful run adds a version to (created when missing). */
  model: string;
  /** A saved training set of the project (its table name). */
  trainingSet: string;
  /** The command and its arguments, run without a shell. */
  command: readonly string[];
  params?: Readonly<Record<string, string>>;
  /** The MLflow experiment the run goes in; the model's name by default. */
  experiment?: string;
  /** The label column, named in the manifest. */
  label?: string;
  /** The command's working folder; the caller's (process.cwd()) by default, as a shell would run it. */
  cwd?: string;
  /** More environment for the command. */
  env?: Readonly<Record<string, string>>;
  /**
   * An MLflow tracking server the command can log to (`aquifer train` starts one): the command
   * gets MLFLOW_TRACKING_URI, MLFLOW_TRACKING_TOKEN and MLFLOW_RUN_ID, so `mlflow.start_run()`
   * continues this run.
   */
  tracking?: { uri: string; token: string };
  /** The command's output as it comes (the run keeps the last 64 KiB of each stream). */
  onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
}

export interface TrainResult {
  run: Run;
  exitCode: number;
  manifest: TrainingManifest;
  /** The version registered; absent when the command failed or wrote no model. */
  version?: ModelVersion;
}

const TAIL_BYTES = 64 * 1024;
const MAX_MODEL_FILES = 10_000;

/**
 * Run a training command on a pinned training set and record it as a run: the set handed
 * over as Parquet files and a manifest (AQUIFER_TRAINING_DIR), a folder for the model
 * (AQUIFER_MODEL_DIR), params, the command's exit code and output tail, the code version,
 * and the training set with its pinned table versions as the run's input. A command that
 * exits 0 and leaves files in the model folder registers them as a new version of `model`
 * (an MLflow logged model whose files are the folder's); `metrics.json` there, an object of
 * numbers, is logged as the run's metrics. A failed command registers nothing.
 */
export async function train(project: Project, engine: Engine, store: ModelStore, options: TrainOptions): Promise<TrainResult> {
  const job = { name: `models.train.${options.model}`, type: 'TRAIN', project: project.root, parameters: { command: JSON.stringify(options.command) } };
  try {
    return await withJobRun(job, async (run) => {
      const result = await trainRun(project, engine, store, options);
      run.input(trainingSetDataset(project.config.name, result.manifest.trainingSet, result.manifest.tableVersion));
      for (const pinned of pinnedDatasets(project, result.manifest.sources)) run.input(pinned);
      if (result.version !== undefined) run.output(modelDataset(project.config.name, options.model, result.version.version));
      // A failed command is a failed run (the result is still returned to the caller, below).
      if (result.exitCode !== 0) throw new TrainingCommandFailed(result);
      return result;
    });
  } catch (error) {
    if (error instanceof TrainingCommandFailed) return error.result;
    throw error;
  }
}

/** How a training run whose command failed ends as a FAIL run, carrying what train returns. */
class TrainingCommandFailed extends Error {
  constructor(readonly result: TrainResult) {
    super(`The training command exited with code ${result.exitCode}`);
  }
}

async function trainRun(project: Project, engine: Engine, store: ModelStore, options: TrainOptions): Promise<TrainResult> {
  if (options.command.length === 0) {
    throw new AquiferError('MODEL_TRAINING_COMMAND_MISSING', 'No training command was given', {
      hint: 'Give the command after --, such as `aquifer train churn --training-set churn_train -- python train.py`.',
    });
  }
  const artifacts = ArtifactStore.forProject(project);
  const experimentName = options.experiment ?? options.model;
  const experiment = (await store.findExperiment(experimentName)) ?? (await store.createExperiment(experimentName));
  const code = await codeVersion(project.root);
  const run = await store.createRun({
    experimentId: experiment.experimentId,
    userId: os.userInfo().username,
    tags: [
      { key: 'mlflow.source.name', value: options.command.join(' ').slice(0, 4000) },
      { key: 'mlflow.source.type', value: 'LOCAL' },
      { key: 'mlflow.user', value: os.userInfo().username },
      { key: TRAINING_TAGS.command, value: JSON.stringify(options.command).slice(0, 8000) },
      { key: TRAINING_TAGS.model, value: options.model },
      ...(code === undefined
        ? []
        : [
            { key: 'mlflow.source.git.commit', value: code.commit },
            { key: TRAINING_TAGS.gitDirty, value: String(code.dirty) },
          ]),
    ],
  });
  const runId = run.info.runId;
  const folder = path.join(project.root, '.aquifer', 'runs', runId);
  const inputDir = path.join(folder, 'training-set');
  const modelDir = path.join(folder, 'model');
  try {
    await mkdir(modelDir, { recursive: true });
    const manifest = await writeTrainingInput(project, engine, options.trainingSet, inputDir, options.label === undefined ? {} : { label: options.label });
    const setTags = trainingSetTags(manifest);
    await store.logBatch(runId, {
      params: Object.entries(options.params ?? {}).map(([key, value]) => ({ key, value })),
      tags: setTags,
    });
    await store.logInputs(runId, [
      {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: {
          name: manifest.trainingSet,
          digest: manifest.digest.slice(4, 12),
          sourceType: 'delta',
          source: JSON.stringify({ table: manifest.trainingSet, version: manifest.tableVersion, sources: manifest.sources }),
          schema: JSON.stringify({ columns: manifest.columns }),
          profile: JSON.stringify({ num_rows: manifest.rows, digest: manifest.digest }),
        },
      },
    ]);
    await artifacts.put(`${artifactPath(run.info.artifactUri)}/training-set/manifest.json`, await readFile(path.join(inputDir, 'manifest.json')));

    const exitCode = await runCommand(
      options,
      {
        AQUIFER_RUN_ID: runId,
        AQUIFER_TRAINING_DIR: inputDir,
        AQUIFER_TRAINING_MANIFEST: path.join(inputDir, 'manifest.json'),
        AQUIFER_MODEL_DIR: modelDir,
        ...(options.tracking === undefined
          ? {}
          : {
              MLFLOW_TRACKING_URI: options.tracking.uri,
              MLFLOW_TRACKING_TOKEN: options.tracking.token,
              MLFLOW_RUN_ID: runId,
              MLFLOW_EXPERIMENT_ID: experiment.experimentId,
            }),
      },
      async (stdout, stderr) => {
        await artifacts.put(`${artifactPath(run.info.artifactUri)}/logs/stdout.txt`, stdout);
        await artifacts.put(`${artifactPath(run.info.artifactUri)}/logs/stderr.txt`, stderr);
      },
    );
    await store.logBatch(runId, { tags: [{ key: TRAINING_TAGS.exitCode, value: String(exitCode) }] });
    if (exitCode !== 0) {
      const failed = await store.updateRun(runId, { status: 'FAILED', endTime: Date.now() });
      return { run: failed, exitCode, manifest };
    }
    await store.logBatch(runId, { metrics: await readMetrics(modelDir) });
    const version = await register(store, artifacts, options.model, run, modelDir, setTags);
    const finished = await store.updateRun(runId, { status: 'FINISHED', endTime: Date.now() });
    return { run: finished, exitCode, manifest, ...(version === undefined ? {} : { version }) };
  } catch (error) {
    await store.updateRun(runId, { status: 'FAILED', endTime: Date.now() }).catch(() => undefined);
    throw error;
  } finally {
    // The Parquet copy is reproducible from the pinned versions; the manifest and logs are kept as artifacts.
    await rm(folder, { recursive: true, force: true });
  }
}

/** The tags that tie a run or a version to the training set it learned from. */
function trainingSetTags(manifest: TrainingManifest): Tag[] {
  return [
    { key: TRAINING_TAGS.trainingSet, value: manifest.trainingSet },
    { key: TRAINING_TAGS.trainingSetVersion, value: String(manifest.tableVersion) },
    { key: TRAINING_TAGS.trainingSetDigest, value: manifest.digest },
    { key: TRAINING_TAGS.trainingSetRows, value: String(manifest.rows) },
    ...(manifest.registryVersion === null ? [] : [{ key: TRAINING_TAGS.registryVersion, value: String(manifest.registryVersion) }]),
  ];
}

async function runCommand(options: TrainOptions, env: Record<string, string>, keepOutput: (stdout: string, stderr: string) => Promise<void>): Promise<number> {
  const [command, ...args] = options.command as [string, ...string[]];
  const stdout = new OutputTail(TAIL_BYTES);
  const stderr = new OutputTail(TAIL_BYTES);
  const exitCode = await new Promise<number>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? process.cwd(),
      env: { ...process.env, ...options.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      options.onOutput?.(chunk, 'stdout');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      options.onOutput?.(chunk, 'stderr');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(
          new AquiferError('MODEL_TRAINING_COMMAND_MISSING', `The training command ${JSON.stringify(command)} was not found`, {
            value: command,
            hint: 'Give a program on the PATH or a path to one.',
          }),
        );
      } else if (error.name === 'AbortError') resolve(130);
      else reject(error);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal === null ? 1 : 128 + (os.constants.signals[signal] ?? 0))));
  }).catch(async (error: unknown) => {
    await keepOutput(stdout.text(), stderr.text());
    throw error;
  });
  await keepOutput(stdout.text(), stderr.text());
  return exitCode;
}

/** `metrics.json` in the model folder: `{"auc": 0.91}`, or per step `{"loss": [0.9, 0.5]}`. */
async function readMetrics(modelDir: string): Promise<Metric[]> {
  const file = path.join(modelDir, 'metrics.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  const invalid = (detail: string): AquiferError =>
    new AquiferError('MODEL_TRAINING_METRICS_INVALID', `metrics.json in the model folder ${detail}`, {
      hint: 'Write an object of numbers, or of arrays of numbers (one per step): {"auc": 0.91, "loss": [0.9, 0.5]}.',
    });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid('is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid('is not an object');
  const timestamp = Date.now();
  const metrics: Metric[] = [];
  for (const [key, value] of Object.entries(json)) {
    const values = Array.isArray(value) ? value : [value];
    values.forEach((v, step) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`has a value of ${JSON.stringify(key)} that is not a finite number`);
      metrics.push({ key, value: v, timestamp, step });
    });
  }
  return metrics;
}

/**
 * Register what the run left: versions the command registered itself through MLflow get the
 * training set's tags; otherwise the model folder's files become a logged model and a new
 * version. Nothing to register is not an error: the run is kept without a version.
 */
async function register(
  store: ModelStore,
  artifacts: ArtifactStore,
  model: string,
  run: Run,
  modelDir: string,
  setTags: Tag[],
): Promise<ModelVersion | undefined> {
  const byCommand = (await store.listModelVersions({ names: [model] })).items.filter((v) => v.runId === run.info.runId);
  if (byCommand.length > 0) {
    for (const version of byCommand) for (const tag of setTags) await store.setModelVersionTag(model, version.version, tag);
    const newest = byCommand.reduce((a, b) => (a.version > b.version ? a : b));
    return store.getModelVersion(model, newest.version);
  }
  const files = (await listFiles(modelDir)).filter((f) => f !== 'metrics.json');
  if (files.length === 0) return undefined;
  const logged = await store.createLoggedModel({ experimentId: run.info.experimentId, name: model, sourceRunId: run.info.runId });
  const root = artifactPath(logged.artifactLocation);
  for (const file of files) await artifacts.put(`${root}/${file}`, await readFile(path.join(modelDir, ...file.split('/'))));
  await store.updateLoggedModel(logged.modelId, { status: 'LOGGED_MODEL_READY' });
  await store.logOutputs(run.info.runId, [{ modelId: logged.modelId, step: 0 }]);
  try {
    await store.createRegisteredModel(model);
  } catch (error) {
    if ((error as { code?: string }).code !== 'MODEL_STORE_ALREADY_EXISTS') throw error;
  }
  return store.createModelVersion({ name: model, source: `models:/${logged.modelId}`, runId: run.info.runId, modelId: logged.modelId, tags: setTags });
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) found.push(...(await listFiles(path.join(dir, entry.name), relative)));
    else if (entry.isFile() && (await stat(path.join(dir, entry.name))).isFile()) found.push(relative);
    if (found.length > MAX_MODEL_FILES) {
      throw new AquiferError('MODEL_TRAINING_OUTPUT_INVALID', `The model folder holds more than ${MAX_MODEL_FILES} files`, {
        value: found.length,
        hint: 'Write the model as a few files (model.onnx); keep scratch files elsewhere.',
      });
    }
  }
  return found;
}
