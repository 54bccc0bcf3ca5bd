import type { DatasetInput, Experiment, LoggedModel, Metric, ModelOutput, ModelVersion, RegisteredModel, Run, RunInfo, Tag } from '../../models/index.js';
import { invalid, type Fields } from './fields.js';

/**
 * Store types to MLflow's proto JSON and back. MLflow's server emits the fields it sets:
 * ids and versions as strings, int64 times as numbers, repeated fields left out when empty.
 */
type Json = Record<string, unknown>;

/** Leaves out undefined values and empty lists, as proto JSON does. */
function compact(object: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    out[key] = value;
  }
  return out;
}

function double(value: number): number | string {
  if (Number.isFinite(value)) return value;
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}

export const tagsJson = (tags: readonly Tag[]): Json[] => tags.map((t) => ({ key: t.key, value: t.value }));

export function experimentJson(e: Experiment): Json {
  return compact({
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTime,
    creation_time: e.creationTime,
    tags: tagsJson(e.tags),
  });
}

export function runInfoJson(info: RunInfo): Json {
  return compact({
    run_uuid: info.runId,
    run_id: info.runId,
    run_name: info.runName,
    experiment_id: info.experimentId,
    user_id: info.userId,
    status: info.status,
    start_time: info.startTime,
    end_time: info.endTime ?? undefined,
    artifact_uri: info.artifactUri,
    lifecycle_stage: info.lifecycleStage,
  });
}

/** A metric in proto field order; a run's points carry only key, value, timestamp and step, as MLflow's do. */
export function metricJson(m: Metric): Json {
  return compact({
    key: m.key,
    value: double(m.value),
    timestamp: m.timestamp,
    step: m.step,
    dataset_name: m.datasetName,
    dataset_digest: m.datasetDigest,
    model_id: m.modelId,
    run_id: m.runId,
  });
}

export function runJson(run: Run): Json {
  return {
    info: runInfoJson(run.info),
    data: compact({ metrics: run.metrics.map(metricJson), params: tagsJson(run.params), tags: tagsJson(run.tags) }),
    inputs: compact({
      dataset_inputs: run.inputs.map((input) => ({
        tags: tagsJson(input.tags),
        dataset: compact({
          name: input.dataset.name,
          digest: input.dataset.digest,
          source_type: input.dataset.sourceType,
          source: input.dataset.source,
          schema: input.dataset.schema,
          profile: input.dataset.profile,
        }),
      })),
    }),
    outputs: compact({ model_outputs: run.outputs.map((o) => ({ model_id: o.modelId, step: o.step })) }),
  };
}

export function loggedModelJson(m: LoggedModel): Json {
  return {
    info: compact({
      model_id: m.modelId,
      experiment_id: m.experimentId,
      name: m.name,
      creation_timestamp_ms: m.creationTime,
      last_updated_timestamp_ms: m.lastUpdatedTime,
      artifact_uri: m.artifactLocation,
      status: m.status,
      model_type: m.modelType ?? undefined,
      source_run_id: m.sourceRunId ?? undefined,
      tags: tagsJson(m.tags),
    }),
    data: compact({ params: tagsJson(m.params), metrics: m.metrics.map(metricJson) }),
  };
}

export function modelVersionJson(v: ModelVersion): Json {
  return compact({
    name: v.name,
    version: String(v.version),
    creation_timestamp: v.creationTime,
    last_updated_timestamp: v.lastUpdatedTime,
    current_stage: v.currentStage,
    description: v.description,
    source: v.source,
    run_id: v.runId ?? undefined,
    run_link: '',
    status: v.status,
    tags: tagsJson(v.tags),
    aliases: v.aliases,
    model_id: v.modelId ?? undefined,
  });
}

export function registeredModelJson(m: RegisteredModel, latestVersions: readonly ModelVersion[] = []): Json {
  return compact({
    name: m.name,
    creation_timestamp: m.creationTime,
    last_updated_timestamp: m.lastUpdatedTime,
    description: m.description === '' ? undefined : m.description,
    latest_versions: latestVersions.map(modelVersionJson),
    tags: tagsJson(m.tags),
    aliases: m.aliases.map((a) => ({ alias: a.alias, version: String(a.version) })),
  });
}

// ---- requests

export function tagsFrom(fields: Fields, name = 'tags'): Tag[] {
  return fields.list(name).map((t) => ({ key: t.string('key'), value: t.optString('value') ?? '' }));
}

export function metricFrom(f: Fields, now: number): Metric {
  const modelId = f.optString('model_id');
  const datasetName = f.optString('dataset_name');
  const datasetDigest = f.optString('dataset_digest');
  return {
    key: f.string('key'),
    value: f.double('value'),
    timestamp: f.optInt('timestamp') ?? now,
    step: f.optInt('step') ?? 0,
    ...(modelId === undefined || modelId === '' ? {} : { modelId }),
    ...(datasetName === undefined || datasetName === '' ? {} : { datasetName }),
    ...(datasetDigest === undefined || datasetDigest === '' ? {} : { datasetDigest }),
  };
}

export function datasetInputsFrom(fields: Fields): DatasetInput[] {
  return fields.list('datasets').map((input) => {
    const d = input.message('dataset');
    const schema = d.optString('schema');
    const profile = d.optString('profile');
    return {
      tags: tagsFrom(input),
      dataset: {
        name: d.string('name'),
        digest: d.string('digest'),
        sourceType: d.string('source_type'),
        source: d.string('source'),
        ...(schema === undefined ? {} : { schema }),
        ...(profile === undefined ? {} : { profile }),
      },
    };
  });
}

export function modelOutputsFrom(fields: Fields): ModelOutput[] {
  return fields.list('models').map((m) => ({ modelId: m.string('model_id'), step: m.optInt('step') ?? 0 }));
}

/** A version number as MLflow sends it: a string of digits. */
export function versionFrom(fields: Fields, name = 'version'): number {
  const text = fields.string(name);
  if (!/^\d+$/.test(text)) throw invalid(`Invalid value ${JSON.stringify(text)} for parameter '${name}' supplied: it must be a version number.`, name);
  return Number(text);
}
