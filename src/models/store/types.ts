/**
 * What the tracking store and model registry keep. The shapes follow MLflow's own
 * (experiments, runs with params, metrics and tags, logged models, registered models,
 * versions and aliases) so that MLflow clients read back exactly what they logged, and
 * an Aquifer training run is an MLflow run with Aquifer's facts in `aquifer.*` tags.
 * Times are milliseconds since the epoch, as MLflow sends them.
 */

export type LifecycleStage = 'active' | 'deleted';
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
/** MLflow's model version stages (deprecated there, still served). */
export type ModelStage = 'None' | 'Staging' | 'Production' | 'Archived';
export type LoggedModelStatus = 'LOGGED_MODEL_PENDING' | 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED';

export interface Tag {
  key: string;
  value: string;
}

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number;
  lastUpdateTime: number;
  tags: Tag[];
}

export interface RunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
}

export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  /** The logged model the point was reported for (MLflow 3): kept with the model's metrics, not the run's. */
  modelId?: string;
  /** The dataset a model's metric was computed on (MLflow 3), kept with the model's metrics. */
  datasetName?: string;
  datasetDigest?: string;
  /** The run that logged a logged model's metric. */
  runId?: string;
}

/** A dataset a run read, as MLflow's log-inputs describes it. */
export interface Dataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema?: string;
  profile?: string;
}

export interface DatasetInput {
  tags: Tag[];
  dataset: Dataset;
}

export interface ModelOutput {
  modelId: string;
  step: number;
}

export interface Run {
  info: RunInfo;
  /** The latest value of each metric key (by step, then timestamp, then value, as MLflow picks). */
  metrics: Metric[];
  params: Tag[];
  tags: Tag[];
  inputs: DatasetInput[];
  outputs: ModelOutput[];
}

export interface LoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  sourceRunId: string | null;
  status: LoggedModelStatus;
  artifactLocation: string;
  modelType: string | null;
  creationTime: number;
  lastUpdatedTime: number;
  params: Tag[];
  tags: Tag[];
  /** The points logged for the model (with `model_id`), as MLflow keeps them: NaN as 0, infinities as ±max double. */
  metrics: Metric[];
}

export interface RegisteredModel {
  name: string;
  description: string;
  creationTime: number;
  lastUpdatedTime: number;
  tags: Tag[];
  /** alias → version */
  aliases: { alias: string; version: number }[];
}

export interface ModelVersion {
  name: string;
  version: number;
  /** Where the model's files are: `models:/m-…` (MLflow 3), `runs:/RUN/path` or an artifact URI. */
  source: string;
  runId: string | null;
  modelId: string | null;
  status: 'READY' | 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION';
  /** MLflow's deprecated stage, still served: `None` until a transition moves it. */
  currentStage: ModelStage;
  description: string;
  creationTime: number;
  lastUpdatedTime: number;
  tags: Tag[];
  aliases: string[];
}

/** One page of a search, and the token for the next one (absent on the last page). */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}
