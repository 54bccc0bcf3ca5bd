import { Cron } from 'croner';
import { z } from 'zod';

/** Asset names are the names of the tables they produce: the table-name rules' characters, checked again by the project. */
export const ASSET_NAME = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;
const NAME_RULE = 'must be letters, digits and _ (up to 128), starting with a letter: a table name SQL can name unquoted';
/** A dependency may be any table of the project (table names also allow `.` and `-`). */
const DEP_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const DEP_RULE = 'must be a table name: letters, digits, _ . - (up to 128), starting with a letter or digit';

/** A day as a daily partition names it. */
export const DAY = /^\d{4}-\d{2}-\d{2}$/;
const day = z
  .string({ error: 'must be a day such as "2024-05-01"' })
  .regex(DAY, 'must be a day such as "2024-05-01"')
  .refine((text) => !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text), 'must be a real day');
const column = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,254}$/, 'must be a column name: letters, digits and _');

const dailyPartitions = z.strictObject({
  type: z.literal('daily'),
  /** The partition column of the asset's table: its value is the day (`YYYY-MM-DD`). */
  column,
  /** The first day; partitions run from it to today. */
  start: day,
});

const staticPartitions = z.strictObject({
  type: z.literal('static'),
  column,
  values: z
    .array(z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters'))
    .min(1, 'must hold at least one value')
    .max(10_000, 'must hold at most 10,000 values')
    .refine((values) => new Set(values).size === values.length, 'must not repeat a value'),
});

export const partitionsSchema = z.discriminatedUnion('type', [dailyPartitions, staticPartitions], { error: 'must have a type: "daily" or "static"' });
export type Partitions = z.infer<typeof partitionsSchema>;

/**
 * A cron schedule (five fields, or six with seconds first), in a time zone (IANA name; UTC
 * when absent) so "03:00 every day" stays 03:00 across daylight saving changes.
 */
const scheduleSchema = z.strictObject({
  cron: z
    .string()
    .max(256, 'must be at most 256 characters')
    .refine((pattern) => {
      try {
        new Cron(pattern, { paused: true });
        return true;
      } catch {
        return false;
      }
    }, 'must be a cron expression such as "0 3 * * *" (minute hour day-of-month month day-of-week)'),
  timezone: z
    .string()
    .max(64, 'must be at most 64 characters')
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as "Europe/Berlin"')
    .exactOptional(),
});
export type Schedule = z.infer<typeof scheduleSchema>;

/** A retry policy: attempts counts every run of the series, the first included. */
const retrySchema = z.strictObject({
  attempts: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100'),
  backoffSeconds: z.number().min(0, 'must not be negative').max(86_400, 'must be at most a day (86,400)').exactOptional(),
  maxBackoffSeconds: z.number().min(0, 'must not be negative').max(86_400, 'must be at most a day (86,400)').exactOptional(),
});
export type RetryPolicy = z.infer<typeof retrySchema>;

/** What every kind of asset may say besides what it is made from. */
const commonFields = {
  name: z.string({ error: NAME_RULE }).regex(ASSET_NAME, NAME_RULE),
  description: z.string().max(1024, 'must be at most 1,024 characters').exactOptional(),
  /** Tables the asset depends on besides those its definition reads (an ordering the definition does not show). */
  deps: z.array(z.string().regex(DEP_NAME, DEP_RULE)).max(256, 'must name at most 256 tables').exactOptional(),
  partitions: partitionsSchema.exactOptional(),
  /** When the scheduler runs it (for a partitioned asset: the partition the tick falls in). */
  schedule: scheduleSchema.exactOptional(),
  /** When the scheduler runs it on new data: `onUpstreamCommit` runs it (whole) when a table it reads gets a new version. */
  sensor: z.strictObject({ onUpstreamCommit: z.boolean({ error: 'must be true or false' }) }).exactOptional(),
  /** Run again after a failure: up to `attempts` runs in all, waiting `backoffSeconds` doubled each time, at most `maxBackoffSeconds`. */
  retry: retrySchema.exactOptional(),
  /** A run past this many seconds is interrupted and recorded failed (ASSET_RUN_TIMEOUT). */
  timeoutSeconds: z.number().positive('must be more than 0').max(604_800, 'must be at most a week (604,800)').exactOptional(),
};

const sqlAsset = z.strictObject({
  ...commonFields,
  kind: z.literal('sql'),
  /** One SELECT over the project's tables by name; its result is the asset's table. */
  sql: z.string().min(1, 'must not be empty').max(65_536, 'must be at most 65,536 characters'),
});

const tableList = z.array(z.string().regex(DEP_NAME, DEP_RULE)).max(256, 'must name at most 256 tables');
/** A path inside the project folder, relative to its root: no absolute paths, no way out through `..`. */
const projectPath = z
  .string()
  .min(1, 'must not be empty')
  .max(1024, 'must be at most 1,024 characters')
  .refine((text) => !text.startsWith('/') && !text.startsWith('\\') && !/^[A-Za-z]:/.test(text), 'must be relative to the project folder')
  .refine((text) => !text.split(/[\\/]/).includes('..'), 'must stay inside the project folder (no "..")');
const reference = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'must be a name: letters, digits, _ . - (up to 128)');

/** A TypeScript (or JavaScript) function over pinned input tables that returns rows or SQL for the asset's table. */
const typescriptAsset = z.strictObject({
  ...commonFields,
  kind: z.literal('typescript'),
  /** The module, relative to the project: `.mjs` or `.js` (ES modules); `.ts` where Node strips types itself. */
  module: projectPath.refine((text) => /\.(mjs|js|ts|mts)$/.test(text), 'must end in .mjs, .js, .ts or .mts'),
  /** The function's export; `default` when absent. */
  export: z
    .string()
    .regex(/^[A-Za-z_$][A-Za-z0-9_$]{0,127}$/, 'must be an export name')
    .exactOptional(),
  /** The tables it reads, each handed to it pinned at its current version. */
  reads: tableList,
  /**
   * Where the columns of rows it returns in memory come from, for lineage (and the tags that
   * follow it): each column of the asset's table ← `table.column` of tables in `reads`. A
   * `{ sql }` result's lineage is read from its SQL instead.
   */
  columnLineage: z
    .record(
      column,
      z
        .array(z.string().regex(/^[A-Za-z0-9_.-]+\.[A-Za-z_][A-Za-z0-9_]*$/, 'must be table.column'))
        .min(1)
        .max(64),
    )
    .exactOptional(),
});

/** Files landing in a folder, ingested into the asset's table with the file ingest (exactly once per file, bad records to quarantine). */
const ingestAsset = z.strictObject({
  ...commonFields,
  kind: z.literal('ingest'),
  /** Paths or globs relative to the project folder, e.g. `landing/events-*.csv`. */
  files: z.union([projectPath, z.array(projectPath).min(1, 'must name at least one path').max(64, 'must name at most 64 paths')]),
  format: z.enum(['csv', 'json', 'parquet']).exactOptional(),
  /** Columns the table is partitioned by when the first file creates it. */
  partitionColumns: z.array(column).max(8, 'must name at most 8 columns').exactOptional(),
});

/** A feature view of the project (features.json) materialized into the online store. */
const featureViewAsset = z.strictObject({
  ...commonFields,
  kind: z.literal('feature_view'),
  /** The feature view; the asset's name when absent. */
  view: reference.exactOptional(),
  /** Materialize event times from this ISO time on (the beginning when absent), up to the run's time. */
  start: z.iso.datetime({ offset: true, error: 'must be an ISO time such as "2024-05-01T00:00:00Z"' }).exactOptional(),
});

/** A saved, point-in-time-correct training set: entity rows from SQL joined to features, refreshed on each run. */
const trainingSetAsset = z.strictObject({
  ...commonFields,
  kind: z.literal('training_set'),
  /** A feature service's name, or `view:feature` references. */
  features: z.union([
    reference,
    z
      .array(z.string().regex(/^[A-Za-z0-9_.-]+:[A-Za-z0-9_*.-]+$/, 'must be view:feature'))
      .min(1)
      .max(1000),
  ]),
  /** One SELECT over the project's tables giving the entity keys, the time column and any label. */
  entities: z.strictObject({ sql: z.string().min(1, 'must not be empty').max(65_536, 'must be at most 65,536 characters') }),
  /** The entity rows' time column; `event_timestamp` when absent. */
  timestampColumn: column.exactOptional(),
  fullFeatureNames: z.boolean().exactOptional(),
  /** The model the set trains, recorded in its definition. */
  model: z.strictObject({ name: reference, version: z.string().min(1).max(64) }).exactOptional(),
});

/** A training run on a saved training set, registered as a new version of a model. */
const modelAsset = z.strictObject({
  ...commonFields,
  kind: z.literal('model'),
  /** The registered model; the asset's name when absent. */
  model: reference.exactOptional(),
  /** The saved training set (a table of the project, usually a training_set asset). */
  trainingSet: z.string().regex(DEP_NAME, DEP_RULE),
  label: column.exactOptional(),
  /** The training command and its arguments, run without a shell in the project folder (as `aquifer train … -- COMMAND`). */
  command: z.array(z.string().min(1).max(4096)).min(1, 'must name a program').max(256),
  params: z.record(z.string(), z.string().max(4096)).exactOptional(),
  /** An alias moved to each version the asset registers (e.g. `champion`). */
  alias: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must be an alias name')
    .exactOptional(),
});

/** A quality suite (quality/<suite>.json) validated on a table; a failed validation fails the run. */
const validationAsset = z.strictObject({
  ...commonFields,
  kind: z.literal('validation'),
  suite: reference,
  table: z.string().regex(DEP_NAME, DEP_RULE),
});

/**
 * A monitor of the project (monitors/<name>.json) run as a step of the pipeline: after the
 * table (or model) it watches, on that table's sensor or a schedule. Its result row and alerts
 * are the monitor's own; a breach is recorded on the run, and only a monitor that could not
 * run fails it.
 */
const monitorAsset = z.strictObject({
  ...commonFields,
  kind: z.literal('monitor'),
  /** The monitor's name (its file's, without .json); the asset's name when absent. */
  monitor: reference.exactOptional(),
});

/** One asset: something the project keeps, made from other tables (or files) by one of these kinds. */
export const assetSchema = z.discriminatedUnion(
  'kind',
  [sqlAsset, typescriptAsset, ingestAsset, featureViewAsset, trainingSetAsset, modelAsset, validationAsset, monitorAsset],
  {
    error: 'must have a kind: "sql", "typescript", "ingest", "feature_view", "training_set", "model", "validation" or "monitor"',
  },
);
export type AssetDefinition = z.infer<typeof assetSchema>;
export type AssetKind = AssetDefinition['kind'];

/**
 * Kinds whose version is not a Delta table's version: a feature view's online values, a
 * training set (saved anew, from version 0, on each refresh), a model, a validation. Their
 * version is the `outputVersion` of their newest successful run: for a feature view the
 * source table version it materialized, for a training set its refresh count (1, 2, …), for a
 * model the model version registered, for a validation the table version it validated, for a
 * monitor the version of the table it judged.
 * The other kinds' version is their table's.
 */
export const RUN_VERSIONED_KINDS: ReadonlySet<AssetKind> = new Set(['feature_view', 'training_set', 'model', 'validation', 'monitor']);

/** A pipelines/*.json file: several assets. */
export const assetFileSchema = z.strictObject({
  assets: z.array(assetSchema).max(1000, 'must hold at most 1,000 assets'),
});

/** An asset as read from the project: its definition and the file that holds it. */
export type Asset = AssetDefinition & {
  /** `pipelines/<file>.json`, for messages. */
  file: string;
};
