import { randomUUID } from 'node:crypto';
import { AquiferError } from '../../errors.js';
import type { Engine } from '../../engine/index.js';
import { servedSources, type FeatureStore, type ServedSources } from '../../features/index.js';
import { jobRunsObserved } from '../../observe/index.js';
import type { Project } from '../../project/index.js';
import { ArtifactStore } from '../artifacts/artifact-store.js';
import type { ModelStore } from '../store/model-store.js';
import { openModelStore } from '../store/open-model-store.js';
import { fetchFeatureRows, modelFeatures, type ModelFeatures } from './model-features.js';
import { functionModel } from './function-model.js';
import { ModelLoader } from './model-loader.js';
import { PredictionLog, type PredictedRows, type PredictionEntry, type PredictionLogObserver } from './prediction-log.js';
import type { FeatureRow, ServableModel } from './servable-model.js';
import { rowsOf, type TensorData, type TensorSpec } from './tensors.js';

/** A model as a request names it: a version number, an alias, or neither (the newest version). */
export interface ModelRef {
  name: string;
  version?: string;
}

/**
 * The model a path names: `name` (newest version), `name@alias`, or `name` with a
 * `versions/{version}` segment holding a number or an alias.
 */
export function modelRef(name: string, version?: string): ModelRef {
  const at = name.lastIndexOf('@');
  if (at > 0 && version === undefined) return { name: name.slice(0, at), version: name.slice(at + 1) };
  return version === undefined ? { name } : { name, version };
}

/** `POST /v1/models/{model}/predict`: entity keys and request fields column-wise, or rows. */
export interface PredictRequest {
  entities?: Readonly<Record<string, readonly unknown[]>>;
  request?: Readonly<Record<string, readonly unknown[]>>;
  instances?: readonly Readonly<Record<string, unknown>>[];
}

export interface PredictResponse {
  model: string;
  version: string;
  request_id: string;
  predictions: unknown[];
  outputs: Record<string, unknown[]>;
}

/** The Open Inference Protocol's inference request (JSON). */
export interface InferRequest {
  id?: string;
  inputs: TensorData[];
  outputs?: { name: string }[];
}

export interface InferResponse {
  model_name: string;
  model_version: string;
  id: string;
  outputs: TensorData[];
}

export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export interface FeedbackItem {
  request_id: string;
  /** The row of the request the label is for; 0 by default. */
  row?: number;
  label: unknown;
}

export interface ModelServingOptions {
  project: Project;
  engine: Engine;
  /** The project's model registry (openModelStore by default), opened on first use. */
  store?: () => Promise<ModelStore>;
  /** The project's artifacts by default. */
  artifacts?: ArtifactStore;
  /** The project's feature store, for models trained on a saved training set. */
  featureStore: () => Promise<FeatureStore>;
  /**
   * When a prediction is answered relative to its log commit: `after-response` (the default)
   * answers at once and commits in the background, so a crash (not a clean stop) can lose the
   * last appends; `before-response` answers once the log holds the rows, so nothing answered
   * is ever missing from it, at the price of a group commit's latency.
   */
  logDurability?: LogDurability;
  /** Told of every row answered and every commit of the prediction log (the server's metrics). */
  logObserver?: PredictionLogObserver;
}

export type LogDurability = 'after-response' | 'before-response';

/**
 * Online prediction for a project: loads versions (ModelLoader), fetches the features of
 * the training set a version was trained on from the online store, runs the model, and
 * logs every answered row to the model's prediction log. The server's model routes are
 * thin wrappers over it; `close` flushes the log.
 */
export class ModelServing {
  readonly log: PredictionLog;
  private loader: Promise<ModelLoader> | undefined;
  private readonly features = new Map<string, Promise<ModelFeatures>>();
  /** Where a version's logged keys and features come from, worked out once per version while lineage listens. */
  private readonly sources = new Map<string, Promise<ServedSources | undefined>>();

  constructor(private readonly options: ModelServingOptions) {
    // A response that waits for its log commit should not also wait out a linger.
    this.log = new PredictionLog(options.project, options.engine, {
      ...(options.logDurability === 'before-response' ? { lingerMs: 0 } : {}),
      ...(options.logObserver === undefined ? {} : { observer: options.logObserver }),
    });
  }

  async model(ref: ModelRef): Promise<ServableModel> {
    return (await this.modelLoader()).load(ref.name, ref.version);
  }

  /**
   * `signal`: a request given up on (its deadline passed) is not logged: checked once the
   * prediction is made, since loading a version the first time can take long.
   */
  async predict(
    ref: ModelRef,
    request: PredictRequest,
    requestId: string = randomUUID(),
    signal?: Pick<AbortSignal, 'throwIfAborted'>,
  ): Promise<PredictResponse> {
    const model = await this.model(ref);
    const time = new Date();
    const spec = model.trainingSet === undefined ? undefined : await this.featuresOf(model);
    const { rows, keyColumns } = await this.rows(spec, request);
    const result = await model.predict(rows, spec?.featureColumns);
    signal?.throwIfAborted();
    await this.logged({
      requestId,
      time,
      model: model.name,
      version: model.version,
      rows,
      entityColumns: keyColumns,
      ...(spec === undefined ? {} : { featureColumns: spec.featureColumns }),
      ...(spec === undefined || !jobRunsObserved() ? {} : await this.sourcesOf(model, spec)),
      predictions: result.predictions,
      outputs: result.outputs,
    });
    return { model: model.name, version: model.version, request_id: requestId, predictions: result.predictions, outputs: result.outputs };
  }

  async infer(ref: ModelRef, request: InferRequest): Promise<InferResponse> {
    const model = await this.model(ref);
    const id = request.id ?? randomUUID();
    const time = new Date();
    // OIP lets JSON tensors come nested; the model and the log take them flat, in row-major order.
    const inputs = request.inputs.map((input) => ({ ...input, data: input.data.flat(Infinity) as TensorData['data'] }));
    const outputs = await model.infer(inputs);
    const wanted = request.outputs?.map((o) => o.name);
    for (const name of wanted ?? [])
      if (!outputs.some((o) => o.name === name))
        throw new AquiferError('MODEL_REQUEST_INVALID', `The model has no output '${name}'`, {
          value: { output: name },
          hint: `Ask for ${outputs.map((o) => o.name).join(', ')}, or leave "outputs" out for all of them.`,
        });
    const inputRows = inputs.map((input) => [input.name, rowsOf(input)] as const);
    const outputRows = outputs.map((output) => [output.name, rowsOf(output)] as const);
    const rows = inputRows[0]?.[1].length ?? 0;
    await this.logged(
      Array.from({ length: rows }, (_, i) => ({
        requestId: id,
        rowIndex: i,
        time,
        model: model.name,
        version: model.version,
        entities: {},
        features: Object.fromEntries(inputRows.map(([name, values]) => [name, values[i]])),
        prediction: outputRows[0]?.[1][i],
        outputs: Object.fromEntries(outputRows.map(([name, values]) => [name, values[i]])),
      })),
    );
    return {
      model_name: model.name,
      model_version: model.version,
      id,
      outputs: wanted === undefined ? outputs : outputs.filter((o) => wanted.includes(o.name)),
    };
  }

  async metadata(ref: ModelRef): Promise<ModelMetadata> {
    const model = await this.model(ref);
    return {
      name: model.name,
      versions: [model.version],
      platform: model.platform === 'onnx' ? 'onnxruntime_onnx' : 'aquifer_function',
      inputs: [...model.inputs],
      outputs: [...model.outputs],
    };
  }

  /** Per logDurability: answer once the entries are committed, or let them commit in the background (a failure is logged there). */
  private async logged(entries: PredictionEntry[] | PredictedRows): Promise<void> {
    if (this.options.logDurability !== 'before-response') {
      this.log.log(entries);
      return;
    }
    try {
      await this.log.committed(entries);
    } catch (error) {
      throw new AquiferError('MODEL_LOG_FAILED', 'The prediction was made but could not be written to the prediction log, so it is not answered', {
        hint: 'Retry the request; the server log has the cause (a full disk, a table another writer broke).',
        cause: error,
      });
    }
  }

  /** Labels for earlier predictions, committed before this resolves. */
  async feedback(model: string, items: readonly FeedbackItem[], requestId: string = randomUUID()): Promise<{ accepted: number }> {
    // Labels only for a model this server could have answered for: no feedback table for a typo.
    if (functionModel(model) === undefined) await (await this.modelLoader()).store.getRegisteredModel(model);
    const time = new Date();
    const result = await this.log.feedback(
      model,
      requestId,
      items.map((item) => ({ requestId: item.request_id, rowIndex: item.row ?? 0, label: item.label, time })),
    );
    return { accepted: result.accepted };
  }

  /** Wait for every prediction answered so far to be in its log; then close the registry if this opened it. */
  async close(): Promise<void> {
    await this.log.close();
    if (this.options.store === undefined && this.loader !== undefined) {
      const loader = await this.loader.catch(() => undefined);
      this.loader = undefined;
      await loader?.store.close();
    }
  }

  private modelLoader(): Promise<ModelLoader> {
    const open = this.options.store ?? (() => openModelStore(this.options.project));
    this.loader ??= open().then((store) => new ModelLoader(store, this.options.artifacts ?? ArtifactStore.forProject(this.options.project)));
    this.loader.catch(() => {
      this.loader = undefined;
    });
    return this.loader;
  }

  /** The log's column lineage for a version's rows; none when the definitions no longer resolve them (never fails a prediction). */
  private async sourcesOf(model: ServableModel, spec: ModelFeatures): Promise<{ sources?: ServedSources }> {
    const key = `${model.name}\u0000${model.version}`;
    let found = this.sources.get(key);
    if (found === undefined) {
      found = this.options
        .featureStore()
        .then((store) => servedSources(store.repository, this.options.project.config.name, spec.features))
        .catch(() => undefined);
      this.sources.set(key, found);
    }
    const sources = await found;
    return sources === undefined ? {} : { sources };
  }

  private featuresOf(model: ServableModel): Promise<ModelFeatures> {
    const key = `${model.name}\u0000${model.version}`;
    let found = this.features.get(key);
    if (found === undefined) {
      found = modelFeatures(this.options.project, this.options.engine, model.trainingSet as string);
      this.features.set(key, found);
      found.catch(() => this.features.delete(key));
    }
    return found;
  }

  private async rows(spec: ModelFeatures | undefined, request: PredictRequest): Promise<{ rows: FeatureRow[]; keyColumns: string[] }> {
    const columns = request.instances === undefined ? undefined : columnsOf(request.instances);
    const entities = request.entities ?? {};
    const fields = columns ?? request.request ?? {};
    const lengths = new Set([...Object.values(entities), ...Object.values(fields)].map((v) => v.length));
    if (lengths.size > 1)
      throw new AquiferError('MODEL_REQUEST_INVALID', 'Every column of "entities" and "request" must have as many values', {
        value: Object.fromEntries([...Object.entries(entities), ...Object.entries(fields)].map(([k, v]) => [k, v.length])),
        hint: 'Send one value per row in each column.',
      });
    if (spec !== undefined) return fetchFeatureRows(await this.options.featureStore(), spec, entities, fields);
    const count = lengths.size === 0 ? 0 : ([...lengths][0] as number);
    const rows = Array.from({ length: count }, (_, i) =>
      Object.fromEntries([...Object.entries(fields), ...Object.entries(entities)].map(([name, values]) => [name, values[i] ?? null])),
    );
    return { rows, keyColumns: Object.keys(entities) };
  }
}

/** Rows as columns; a field a row lacks is null there. */
function columnsOf(instances: readonly Readonly<Record<string, unknown>>[]): Record<string, unknown[]> {
  const names = [...new Set(instances.flatMap((row) => Object.keys(row)))];
  return Object.fromEntries(names.map((name) => [name, instances.map((row) => row[name] ?? null)]));
}
