import { AquiferError } from '../errors.js';

/**
 * Suffixes of the tables Aquifer keeps beside a user's table (`<table>__quarantine`, see
 * src/ingest/quarantine). A user name ending in one would write into another table's
 * internals: one POST to `events__quarantine` would break quarantining for `events`.
 */
export const RESERVED_TABLE_SUFFIXES: readonly string[] = ['__quarantine'];

/** The file system's limit on one path component (NAME_MAX on Linux and macOS), in bytes. */
export const NAME_MAX_BYTES = 255;

/** The longest table name: its longest internal sibling (`<name>__quarantine`) must fit NAME_MAX too. */
export const MAX_TABLE_NAME_BYTES = NAME_MAX_BYTES - Math.max(...RESERVED_TABLE_SUFFIXES.map((s) => Buffer.byteLength(s)));

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Check a table name a user gave (over HTTP, on the command line, in features.json) and
 * return it. Names are one folder under `tables/`: letters, digits, `_`, `.` and `-`,
 * starting with a letter or digit (a leading `_` or `.` is how Delta and Spark mark
 * internal and hidden folders), not ending in a reserved suffix (compared without case,
 * for case-insensitive file systems), and short enough for every internal sibling.
 */
export function checkTableName(name: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw new AquiferError('PROJECT_TABLE_NAME_INVALID', `'${name}' is not a valid table name`, {
      value: name,
      hint: 'Use letters, digits, _, . and -, starting with a letter or digit.',
    });
  }
  const lower = name.toLowerCase();
  const suffix = RESERVED_TABLE_SUFFIXES.find((s) => lower.endsWith(s));
  if (suffix !== undefined) {
    throw new AquiferError('PROJECT_TABLE_NAME_RESERVED', `'${name}' ends in '${suffix}', which names an internal table`, {
      value: name,
      hint: `Pick a name that does not end in ${RESERVED_TABLE_SUFFIXES.join(' or ')}; a table's quarantine is read with \`aquifer quarantine list\`.`,
    });
  }
  const bytes = Buffer.byteLength(name);
  if (bytes > MAX_TABLE_NAME_BYTES) {
    throw new AquiferError('PROJECT_TABLE_NAME_TOO_LONG', `The table name is ${bytes} bytes long; at most ${MAX_TABLE_NAME_BYTES} fit`, {
      value: name,
      hint: `Use at most ${MAX_TABLE_NAME_BYTES} characters: the table's folder and its quarantine's must both fit the file system's ${NAME_MAX_BYTES}-byte limit.`,
    });
  }
  return name;
}
