import { AquiferError } from '../errors.js';

/** The suffix of the quarantine Aquifer keeps beside every table it ingests into (src/ingest/quarantine). */
export const QUARANTINE_TABLE_SUFFIX = '__quarantine';
/** The suffix of a model's prediction log (src/models/serving/log-tables.ts). */
export const PREDICTIONS_TABLE_SUFFIX = '__predictions';

/**
 * Suffixes of the tables Aquifer writes itself: a table's quarantine (`<table>__quarantine`,
 * src/ingest/quarantine) and a model's prediction log and labels (`<model>__predictions`,
 * `<model>__feedback`, src/models/serving/log-tables.ts). A user name ending in one would
 * write into Aquifer's own records: one POST to `events__quarantine` would break
 * quarantining for `events`, one to `churn__predictions` would forge what a model answered.
 * Reading them is allowed (`checkTableName(name, { internal: true })`).
 */
export const RESERVED_TABLE_SUFFIXES: readonly string[] = [QUARANTINE_TABLE_SUFFIX, PREDICTIONS_TABLE_SUFFIX, '__feedback'];

/**
 * Aquifer's own tables beside the user's: validation outcomes (src/quality/results) and
 * monitor runs (src/monitor). Their leading `_` keeps user names off them (and hides them from
 * Spark's listings); they are only read through a name check (`aquifer table read _quality_results`).
 */
export const QUALITY_RESULTS_TABLE_NAME = '_quality_results';
export const QUALITY_FAILURES_TABLE_NAME = '_quality_failures';
export const INTERNAL_TABLE_NAMES: readonly string[] = [QUALITY_RESULTS_TABLE_NAME, QUALITY_FAILURES_TABLE_NAME, '_monitor_results'];

/** The file system's limit on one path component (NAME_MAX on Linux and macOS), in bytes. */
export const NAME_MAX_BYTES = 255;

/**
 * The longest table name: its internal sibling (`<name>__quarantine`) must fit NAME_MAX too.
 * A model's log tables are named after the model, not after a table, so they do not count here.
 */
export const MAX_TABLE_NAME_BYTES = NAME_MAX_BYTES - Buffer.byteLength(QUARANTINE_TABLE_SUFFIX);

export interface TableNameUse {
  /**
   * The name may be one of Aquifer's own tables: it is only read through this resolution
   * (`aquifer table read churn__predictions`), or written by the code that owns that table
   * (the prediction log). A reserved suffix is allowed, and any name up to NAME_MAX.
   */
  internal?: boolean;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Check a table name a user gave (over HTTP, on the command line, in features.json) and
 * return it. Names are one folder under `tables/`: letters, digits, `_`, `.` and `-`,
 * starting with a letter or digit (a leading `_` or `.` is how Delta and Spark mark
 * internal and hidden folders), not ending in a reserved suffix (compared without case,
 * for case-insensitive file systems) unless `use.internal`, and short enough for every
 * internal sibling.
 */
export function checkTableName(name: string, use: TableNameUse = {}): string {
  if (use.internal === true && INTERNAL_TABLE_NAMES.includes(name)) return name;
  if (!NAME_PATTERN.test(name)) {
    throw new AquiferError('PROJECT_TABLE_NAME_INVALID', `'${name}' is not a valid table name`, {
      value: name,
      hint: 'Use letters, digits, _, . and -, starting with a letter or digit.',
    });
  }
  const lower = name.toLowerCase();
  const suffix = use.internal === true ? undefined : RESERVED_TABLE_SUFFIXES.find((s) => lower.endsWith(s));
  if (suffix !== undefined) {
    throw new AquiferError('PROJECT_TABLE_NAME_RESERVED', `'${name}' ends in '${suffix}', which names an internal table`, {
      value: name,
      hint: `Pick a name that does not end in ${RESERVED_TABLE_SUFFIXES.join(', ')}: Aquifer writes those tables itself (read them with \`aquifer table read\`, a quarantine with \`aquifer quarantine list\`).`,
    });
  }
  const bytes = Buffer.byteLength(name);
  if (bytes > (use.internal === true ? NAME_MAX_BYTES : MAX_TABLE_NAME_BYTES)) {
    throw new AquiferError('PROJECT_TABLE_NAME_TOO_LONG', `The table name is ${bytes} bytes long; at most ${MAX_TABLE_NAME_BYTES} fit`, {
      value: name,
      hint: `Use at most ${MAX_TABLE_NAME_BYTES} characters: the table's folder and its quarantine's must both fit the file system's ${NAME_MAX_BYTES}-byte limit.`,
    });
  }
  return name;
}
