import { AquiferError } from '../../errors.js';
import type { PrimitiveTypeName } from '../../table/index.js';

/** What a pushed column must hold: a Delta type, or an event time; `required` refuses nulls. */
export interface PushColumn {
  name: string;
  type: PrimitiveTypeName | 'event_time';
  required: boolean;
}

const INTEGER_RANGES: Partial<Record<PrimitiveTypeName, readonly [number, number]>> = {
  long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  integer: [-(2 ** 31), 2 ** 31 - 1],
  short: [-(2 ** 15), 2 ** 15 - 1],
  byte: [-(2 ** 7), 2 ** 7 - 1],
};

/**
 * ISO 8601 date-times as Feast clients send them ('2024-05-01T10:00:00Z', '2024-05-01
 * 10:00:00.123+02:00', '2024-05-01'); no offset means UTC. Strict on purpose: Date.parse
 * reads "1" as the year 2001.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** Epoch milliseconds of an ISO 8601 date-time, or undefined when the text is not one (or names no real day). */
export function parseEventTime(text: string): number | undefined {
  const m = DATE_TIME.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = Math.floor(Number(`0${m[7] ?? ''}`) * 1000);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, fraction);
  if (new Date(local).getUTCDate() !== day) return undefined;
  const zone = m[8];
  if (zone === undefined || zone.toUpperCase() === 'Z') return local;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offset = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  return local - sign * offset;
}

/** The value as the column stores it, or undefined when it does not fit the column's type. */
function convert(value: unknown, type: PushColumn['type']): unknown {
  const range = INTEGER_RANGES[type as PrimitiveTypeName];
  if (range !== undefined) return typeof value === 'number' && Number.isInteger(value) && value >= range[0] && value <= range[1] ? value : undefined;
  switch (type) {
    case 'float':
    case 'double':
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'string':
    case 'binary':
      return typeof value === 'string' ? value : undefined;
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && parseEventTime(value) !== undefined ? value : undefined;
    case 'timestamp':
    case 'timestamp_ntz':
    case 'event_time': {
      const ms = typeof value === 'string' ? parseEventTime(value) : undefined;
      return ms === undefined ? undefined : new Date(ms).toISOString();
    }
    case 'variant':
      return value;
    default:
      return undefined;
  }
}

const describeType = (type: PushColumn['type']) => (type === 'event_time' ? 'an ISO 8601 timestamp' : type);

/**
 * Rows from Feast's column-wise `df`, each value checked against its column: every
 * column present, none extra, all of one length; required ones (entity keys, the event
 * time) never null. A value that does not fit is a FEATURE_PUSH_VALUE_INVALID naming its
 * column, row and expected type, before anything is written.
 */
export function pushRows(view: string, columns: readonly PushColumn[], df: Readonly<Record<string, readonly unknown[]>>): Record<string, unknown>[] {
  const known = new Set(columns.map((c) => c.name));
  for (const name of Object.keys(df)) {
    if (!known.has(name))
      throw new AquiferError('FEATURE_REQUEST_INVALID', `Feature view '${view}' has no column '${name}'`, {
        value: { column: name },
        hint: `Push the columns ${columns.map((c) => c.name).join(', ')}.`,
      });
  }
  const lengths = new Set(Object.values(df).map((values) => values.length));
  if (lengths.size > 1)
    throw new AquiferError('FEATURE_REQUEST_INVALID', 'Every pushed column must have as many values', {
      value: Object.fromEntries(Object.entries(df).map(([k, v]) => [k, v.length])),
      hint: 'Send one value per row in each column of "df".',
    });
  const count = lengths.size === 0 ? 0 : ([...lengths][0] as number);
  const rows: Record<string, unknown>[] = Array.from({ length: count }, () => ({}));
  for (const column of columns) {
    const values = df[column.name];
    if (values === undefined) {
      if (column.required || count > 0)
        throw new AquiferError('FEATURE_PUSH_VALUE_INVALID', `The push lacks the column '${column.name}' of feature view '${view}'`, {
          value: { column: column.name, expected: describeType(column.type) },
          hint: `Send every column of the view: ${columns.map((c) => c.name).join(', ')} (null for a missing feature value).`,
        });
      continue;
    }
    values.forEach((value, row) => {
      const bad = (why: string) =>
        new AquiferError('FEATURE_PUSH_VALUE_INVALID', `Row ${row} of '${column.name}' ${why}`, {
          value: { column: column.name, row, expected: describeType(column.type), got: value },
          hint: `Send ${describeType(column.type)} in '${column.name}'${column.required ? '' : ', or null'}.`,
        });
      if (value === null || value === undefined) {
        if (column.required) throw bad('is null, and it is required');
        (rows[row] as Record<string, unknown>)[column.name] = null;
        return;
      }
      const converted = convert(value, column.type);
      if (converted === undefined) throw bad(`is not ${describeType(column.type)}`);
      (rows[row] as Record<string, unknown>)[column.name] = converted;
    });
  }
  return rows;
}
