import { z } from 'zod';
import { DRIFT_METHOD_NAMES, isDriftMethodName } from '../drift/methods.js';
import { DURATION_PATTERN, durationMs } from './duration.js';

/** Monitor names: file names too (`monitors/<name>.json`), so the table-name rules without the reserved suffixes. */
export const MONITOR_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export const MONITOR_KINDS = ['freshness', 'volume', 'schema', 'quarantine_rate', 'quality', 'drift', 'model_drift'] as const;
export type MonitorKind = (typeof MONITOR_KINDS)[number];

const duration = z
  .string({ error: 'must be a duration such as "15m", "2h" or "1d"' })
  .regex(DURATION_PATTERN, 'must be a duration such as "30s", "15m", "2h", "1d" or "1w"')
  .refine((text) => (durationMs(text) ?? 0) > 0, 'must be longer than 0');
const tableName = z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters');
const where = z.string().min(1, 'must not be empty').max(4096, 'must be at most 4,096 characters');
const column = z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters');
const share = z.number().min(0, 'must be from 0 to 1').max(1, 'must be from 0 to 1');
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name (letters, digits and _, up to 128)');
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, 'must be an HTTP header name');

/** Where a breach and its resolution are told. The file holds no secret: header values come from the environment. */
const alertsSchema = z.strictObject({
  webhook: z
    .strictObject({
      url: z
        .string()
        .max(2048, 'must be at most 2,048 characters')
        .regex(/^https?:\/\/[^\s#]+$/, 'must be an http(s) URL'),
      /** Header name → the environment variable holding its value (a bearer token, say). */
      headersFromEnv: z
        .record(headerName, envName)
        .refine((r) => Object.keys(r).length <= 16, 'must name at most 16 headers')
        .exactOptional(),
      timeoutMs: z.number().int('must be a whole number').min(100, 'must be at least 100').max(120_000, 'must be at most 120,000').exactOptional(),
      maxAttempts: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100').exactOptional(),
    })
    .exactOptional(),
  /** A structured log line on every transition (default true). */
  log: z.boolean({ error: 'must be true or false' }).exactOptional(),
});

const modelName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'must be a registered model name (letters, digits, _ . -)');
/** A version number or an alias (`champion`). */
const modelVersion = z.union([z.number().int('must be a whole number').min(1, 'must be at least 1'), z.string().min(1).max(128)], {
  error: 'must be a version number or an alias',
});

/**
 * Retrain the model when the monitor fires (once per firing, not on every breaching run):
 * `retrain()` of src/models with the monitor's name as its trigger, so the alias moves only
 * when the new version beats it on the holdout.
 */
const retrainAction = z.strictObject({
  type: z.literal('retrain'),
  /** The model to retrain: the monitor's own for a model_drift monitor. */
  model: modelName.exactOptional(),
  alias: z.string().min(1).max(128).exactOptional(),
  holdout: z.strictObject({
    table: tableName,
    where: where.exactOptional(),
    version: z.number().int('must be a whole number').min(0, 'must be at least 0').exactOptional(),
    label: column.exactOptional(),
  }),
  metric: z.enum(['accuracy', 'precision', 'recall', 'f1', 'rmse', 'mae'], { error: 'must be accuracy, precision, recall, f1, rmse or mae' }),
  minImprovement: z.number().min(0, 'must be at least 0').exactOptional(),
  trainingSet: z.string().min(1).max(255).exactOptional(),
  refresh: z.boolean({ error: 'must be true or false' }).exactOptional(),
  command: z.array(z.string().max(4096)).min(1, 'must name a program').max(256, 'must have at most 256 arguments').exactOptional(),
});

/**
 * Run an asset of the project's pipelines (pipelines/*.json) when the monitor fires (once per
 * firing): runAsset of src/orchestrate with trigger `monitor`, so the run history records it,
 * under the asset's lease (a run already going is not doubled: the action is then `skipped`).
 */
const runAssetAction = z.strictObject({
  type: z.literal('run_asset'),
  /** The asset's name (ASSET_NAME of src/orchestrate). */
  asset: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,127}$/, 'must be an asset name (a letter, then letters, digits or _)'),
  /** The partition to run, for a partitioned asset; the whole asset when absent. */
  partition: z.string().min(1).max(128).exactOptional(),
  /** First run the upstream assets that are not fresh. */
  withUpstream: z.boolean({ error: 'must be true or false' }).exactOptional(),
});

/** What a monitor sets going when it fires. */
const actionsSchema = z
  .array(z.discriminatedUnion('type', [retrainAction, runAssetAction], { error: 'must have a type: "retrain" or "run_asset"' }))
  .max(16, 'must hold at most 16 actions');

const common = {
  name: z.string().regex(MONITOR_NAME, 'must be letters, digits, _ . - (up to 128), starting with a letter or digit').exactOptional(),
  description: z.string().max(1024, 'must be at most 1,024 characters').exactOptional(),
  table: tableName,
  every: duration,
  /** Fire only after this many breaching runs in a row (hysteresis; default 1). */
  for: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100').exactOptional(),
  alerts: alertsSchema.exactOptional(),
  actions: actionsSchema.exactOptional(),
};

const freshness = z
  .strictObject({
    ...common,
    kind: z.literal('freshness'),
    maxAge: duration,
    /** Measure from the newest value of this column (event time) instead of the last commit. */
    timeColumn: column.exactOptional(),
    /** With `timeColumn`: only the rows matching this SQL filter count. */
    where: where.exactOptional(),
  })
  .refine((f) => f.where === undefined || f.timeColumn !== undefined, { message: 'needs timeColumn (a commit is not filtered)', path: ['where'] });

const volume = z
  .strictObject({
    ...common,
    kind: z.literal('volume'),
    per: z.enum(['commit', 'day'], { error: 'must be "commit" or "day"' }),
    /** The trailing windows the band is drawn from (default 14). */
    windows: z.number().int('must be a whole number').min(2, 'must be at least 2').max(1000, 'must be at most 1,000').exactOptional(),
    /** The band is mean ± stddevs·stddev of the trailing windows (default 3). */
    stddevs: z.number().positive('must be positive').max(100, 'must be at most 100').exactOptional(),
    /** Fixed bounds instead of (or besides) the band. */
    min: z.number().min(0, 'must be at least 0').exactOptional(),
    max: z.number().min(0, 'must be at least 0').exactOptional(),
  })
  .refine((v) => v.min === undefined || v.max === undefined || v.min <= v.max, { message: 'must not be above max', path: ['min'] });

const schema = z.strictObject({ ...common, kind: z.literal('schema') });

const quarantineRate = z.strictObject({
  ...common,
  kind: z.literal('quarantine_rate'),
  /** The trailing window counted (default "1d"). */
  window: duration.exactOptional(),
  maxShare: share,
});

const quality = z.strictObject({
  ...common,
  kind: z.literal('quality'),
  /** The suite whose latest validation of the table counts; any suite by default. */
  suite: z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters').exactOptional(),
  /** Breach when fewer of the latest validation's expectations succeeded (default 1: any failure breaches). */
  minSuccessShare: share.exactOptional(),
});

const side = {
  version: z.number().int('must be a whole number').min(0, 'must be at least 0').exactOptional(),
  where: where.exactOptional(),
};

const drift = z.strictObject({
  ...common,
  kind: z.literal('drift'),
  /** A SQL filter over the monitored table's columns, applied to the current data. */
  where: where.exactOptional(),
  /** The reference data: the monitored table by default, at a version and/or filtered. */
  reference: z.strictObject({ table: tableName.exactOptional(), ...side }),
  /** The current data (the monitored table): at a version, filtered, and/or the last `last` by `timeColumn`. */
  current: z
    .strictObject({ ...side, last: duration.exactOptional(), timeColumn: column.exactOptional() })
    .refine((c) => (c.last === undefined) === (c.timeColumn === undefined), { message: 'must give last and timeColumn together', path: ['last'] })
    .exactOptional(),
  columns: z.array(column).min(1, 'must name a column').max(1000, 'must name at most 1,000 columns').exactOptional(),
  driftShare: share.exactOptional(),
  perColumn: z
    .record(
      column,
      z.strictObject({
        method: z
          .string()
          .refine(isDriftMethodName, `must be one of ${DRIFT_METHOD_NAMES.join(', ')}`)
          .exactOptional(),
        threshold: z.number().min(0, 'must be at least 0').exactOptional(),
      }),
    )
    .exactOptional(),
});

/**
 * A model version's served features and predictions (its prediction log, the last `last`)
 * against the training set behind it, through `modelDriftReport`. Its table is the model's
 * prediction log, filled in when the file is read.
 */
const modelDrift = z.strictObject({
  ...common,
  table: tableName.exactOptional(),
  kind: z.literal('model_drift'),
  model: modelName,
  /** The version watched: a number or an alias; the newest version by default. */
  version: modelVersion.exactOptional(),
  /** The window of logged predictions judged (default "1d"). */
  last: duration.exactOptional(),
  columns: z.array(column).min(1, 'must name a column').max(1000, 'must name at most 1,000 columns').exactOptional(),
  driftShare: share.exactOptional(),
  task: z.enum(['classification', 'regression'], { error: 'must be "classification" or "regression"' }).exactOptional(),
});

export const monitorSchema = z.discriminatedUnion('kind', [freshness, volume, schema, quarantineRate, quality, drift, modelDrift], {
  error: `must have a kind: ${MONITOR_KINDS.map((k) => `"${k}"`).join(', ')}`,
});

type Parsed = z.infer<typeof monitorSchema>;
/** A monitor as its file declares it, its name filled in from the file name (and a model monitor's table from its model). */
export type MonitorDefinition = Parsed & { name: string; table: string };
export type FreshnessMonitor = Extract<MonitorDefinition, { kind: 'freshness' }>;
export type VolumeMonitor = Extract<MonitorDefinition, { kind: 'volume' }>;
export type SchemaMonitor = Extract<MonitorDefinition, { kind: 'schema' }>;
export type QuarantineRateMonitor = Extract<MonitorDefinition, { kind: 'quarantine_rate' }>;
export type QualityMonitor = Extract<MonitorDefinition, { kind: 'quality' }>;
export type DriftMonitor = Extract<MonitorDefinition, { kind: 'drift' }>;
export type ModelDriftMonitor = Extract<MonitorDefinition, { kind: 'model_drift' }>;
export type MonitorAlerts = NonNullable<MonitorDefinition['alerts']>;
export type MonitorAction = NonNullable<MonitorDefinition['actions']>[number];
export type RetrainAction = Extract<MonitorAction, { type: 'retrain' }>;
export type RunAssetAction = Extract<MonitorAction, { type: 'run_asset' }>;
