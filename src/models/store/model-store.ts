import type {
  Dataset,
  DatasetInput,
  Experiment,
  LoggedModel,
  LoggedModelStatus,
  Metric,
  ModelOutput,
  ModelVersion,
  Page,
  RegisteredModel,
  Run,
  RunStatus,
  Tag,
} from './types.js';

export interface CreateRunOptions {
  experimentId: string;
  runName?: string;
  userId?: string;
  startTime?: number;
  tags?: Tag[];
}

export interface UpdateRunOptions {
  status?: RunStatus;
  endTime?: number;
  runName?: string;
}

export interface LogBatch {
  metrics?: Metric[];
  params?: Tag[];
  tags?: Tag[];
}

export interface SearchRunsOptions {
  experimentIds: string[];
  /** `active` (default), `deleted` or `all`, as MLflow's run_view_type. */
  view?: 'active' | 'deleted' | 'all';
  maxResults?: number;
  pageToken?: string;
}

export interface CreateLoggedModelOptions {
  experimentId: string;
  name?: string;
  sourceRunId?: string;
  modelType?: string;
  params?: Tag[];
  tags?: Tag[];
}

export interface CreateModelVersionOptions {
  name: string;
  source: string;
  runId?: string;
  modelId?: string;
  description?: string;
  tags?: Tag[];
}

/**
 * The tracking store and model registry behind `aquifer train`, `aquifer models` and the
 * MLflow REST API. One implementation over SQL (`SqlModelStore`) runs on SQLite in the
 * project (the embedded default) and on PostgreSQL; both pass the same contract suite.
 * Every method that names something missing throws `MODEL_STORE_NOT_FOUND`, and one that
 * would create a duplicate throws `MODEL_STORE_ALREADY_EXISTS`.
 */
export interface ModelStore {
  createExperiment(name: string, options?: { artifactLocation?: string; tags?: Tag[] }): Promise<Experiment>;
  getExperiment(experimentId: string): Promise<Experiment>;
  /** undefined when no experiment has that name. */
  findExperiment(name: string): Promise<Experiment | undefined>;
  listExperiments(options?: { view?: 'active' | 'deleted' | 'all' }): Promise<Experiment[]>;
  setExperimentTag(experimentId: string, tag: Tag): Promise<void>;
  /** NOT_FOUND when the experiment has no such tag; a deleted experiment's tags cannot change. */
  deleteExperimentTag(experimentId: string, key: string): Promise<void>;
  updateExperiment(experimentId: string, change: { name?: string; lifecycleStage?: 'active' | 'deleted' }): Promise<void>;

  createRun(options: CreateRunOptions): Promise<Run>;
  getRun(runId: string): Promise<Run>;
  updateRun(runId: string, change: UpdateRunOptions): Promise<Run>;
  setRunLifecycle(runId: string, stage: 'active' | 'deleted'): Promise<void>;
  /**
   * Params, metrics and tags in one transaction. A param already logged with another value
   * is MODEL_STORE_PARAM_CHANGED (MLflow's INVALID_PARAMETER_VALUE); the same metric point
   * (key, timestamp, step, value) logged again is kept once, as MLflow keeps it. A point with
   * a `modelId` is also one of that logged model's metrics. As in MLflow's SQL store, NaN is
   * kept as NaN in the run's history but ±Infinity becomes ±Number.MAX_VALUE, and a model's
   * metric keeps NaN as 0.
   */
  logBatch(runId: string, batch: LogBatch): Promise<void>;
  deleteRunTag(runId: string, key: string): Promise<void>;
  metricHistory(runId: string, key: string): Promise<Metric[]>;
  logInputs(runId: string, inputs: DatasetInput[]): Promise<void>;
  logOutputs(runId: string, outputs: ModelOutput[]): Promise<void>;
  /** Runs newest first (by start time). Filtering by MLflow's filter grammar is the caller's. */
  searchRuns(options: SearchRunsOptions): Promise<Page<Run>>;

  createLoggedModel(options: CreateLoggedModelOptions): Promise<LoggedModel>;
  /** A deleted logged model is NOT_FOUND unless `allowDeleted`. */
  getLoggedModel(modelId: string, options?: { allowDeleted?: boolean }): Promise<LoggedModel>;
  /** Marks the model deleted (MLflow's soft delete): gone from get and search, its files kept. */
  deleteLoggedModel(modelId: string): Promise<void>;
  updateLoggedModel(modelId: string, change: { status?: LoggedModelStatus }): Promise<LoggedModel>;
  setLoggedModelTags(modelId: string, tags: Tag[]): Promise<void>;
  /** Params are write-once, as a run's are: the same value again is kept, another is MODEL_STORE_PARAM_CHANGED. */
  logLoggedModelParams(modelId: string, params: Tag[]): Promise<void>;
  deleteLoggedModelTag(modelId: string, key: string): Promise<void>;
  searchLoggedModels(options: { experimentIds: string[]; maxResults?: number; pageToken?: string }): Promise<Page<LoggedModel>>;

  createRegisteredModel(name: string, options?: { description?: string; tags?: Tag[] }): Promise<RegisteredModel>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  listRegisteredModels(options?: { maxResults?: number; pageToken?: string }): Promise<Page<RegisteredModel>>;
  updateRegisteredModel(name: string, change: { description?: string; newName?: string }): Promise<RegisteredModel>;
  deleteRegisteredModel(name: string): Promise<void>;
  setRegisteredModelTag(name: string, tag: Tag): Promise<void>;
  deleteRegisteredModelTag(name: string, key: string): Promise<void>;
  setAlias(name: string, alias: string, version: number): Promise<void>;
  deleteAlias(name: string, alias: string): Promise<void>;

  /** The next version number of the registered model, atomically (two writers never get the same one). */
  createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion>;
  getModelVersion(name: string, version: number): Promise<ModelVersion>;
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;
  /** Every version of the named models (all models when `names` is absent), newest first. */
  listModelVersions(options?: { names?: string[]; maxResults?: number; pageToken?: string }): Promise<Page<ModelVersion>>;
  updateModelVersion(name: string, version: number, change: { description?: string }): Promise<ModelVersion>;
  /**
   * MLflow's deprecated stage transition, to a stage named in any case (`staging`). `archiveExisting` moves the model's other versions in
   * that stage to Archived, and is only for Staging and Production (MODEL_STORE_INVALID otherwise).
   */
  transitionModelVersionStage(name: string, version: number, stage: string, archiveExisting?: boolean): Promise<ModelVersion>;
  deleteModelVersion(name: string, version: number): Promise<void>;
  setModelVersionTag(name: string, version: number, tag: Tag): Promise<void>;
  deleteModelVersionTag(name: string, version: number, key: string): Promise<void>;

  /**
   * A value that changes whenever anything in the store may have changed, by this process or
   * another, and is cheap to ask for on every request; undefined where the store cannot tell
   * (then readers must not cache what they read).
   */
  changeToken?(): string | undefined;

  close(): Promise<void>;
}

export type { Dataset };
