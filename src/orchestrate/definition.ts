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

/** One asset: a Delta table of the project, produced by a transformation over other tables. Only `sql` for now. */
export const assetSchema = z.discriminatedUnion('kind', [sqlAsset], { error: 'must have a kind: "sql"' });
export type AssetDefinition = z.infer<typeof assetSchema>;

/** A pipelines/*.json file: several assets. */
export const assetFileSchema = z.strictObject({
  assets: z.array(assetSchema).max(1000, 'must hold at most 1,000 assets'),
});

/** An asset as read from the project: its definition and the file that holds it. */
export interface Asset extends AssetDefinition {
  /** `pipelines/<file>.json`, for messages. */
  file: string;
}
