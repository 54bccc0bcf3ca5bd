import { physicalName, type ColumnMappingMode, type DataType, type StructField } from '../schema/index.js';

/** Per-column statistics as DuckDB's `COPY ... RETURN_STATS` reports them (all values as text). */
export type ColumnStatistics = Map<string, Record<string, string>>;

/** Strings longer than this are cut to a prefix for minValues and left out of maxValues. */
export const STRING_PREFIX_LENGTH = 32;

class RawJson {
  constructor(readonly text: string) {}
}
type StatsTree = { [name: string]: StatsTree | RawJson };

/**
 * Build an add action's `stats` JSON (numRecords, minValues, maxValues, nullCount) from
 * the statistics DuckDB collected while writing the file, keyed by physical column
 * names and nested like the schema (PROTOCOL.md, Per-file Statistics). Values are copied
 * as text so 64-bit integers and decimals stay exact; timestamps are truncated to
 * milliseconds as the reference implementation writes them.
 */
export function buildStatsJson(numRecords: number, fields: readonly StructField[], mode: ColumnMappingMode, columns: ColumnStatistics): string {
  const minValues: StatsTree = {};
  const maxValues: StatsTree = {};
  const nullCount: StatsTree = {};
  collect(fields, [], mode, columns, minValues, maxValues, nullCount);
  return `{"numRecords":${numRecords},"minValues":${render(minValues)},"maxValues":${render(maxValues)},"nullCount":${render(nullCount)}}`;
}

function collect(
  fields: readonly StructField[],
  prefix: string[],
  mode: ColumnMappingMode,
  columns: ColumnStatistics,
  min: StatsTree,
  max: StatsTree,
  nulls: StatsTree,
): void {
  for (const field of fields) {
    const name = physicalName(field, mode);
    const path = [...prefix, name];
    if (field.type.kind === 'struct') {
      const childMin: StatsTree = {};
      const childMax: StatsTree = {};
      const childNulls: StatsTree = {};
      collect(field.type.fields, path, mode, columns, childMin, childMax, childNulls);
      if (Object.keys(childMin).length > 0) min[name] = childMin;
      if (Object.keys(childMax).length > 0) max[name] = childMax;
      if (Object.keys(childNulls).length > 0) nulls[name] = childNulls;
      continue;
    }
    const stats = columns.get(statsKey(path));
    if (stats === undefined || field.type.kind === 'array' || field.type.kind === 'map') continue;
    const nullCountText = stats['null_count'];
    if (nullCountText !== undefined && /^\d+$/.test(nullCountText)) nulls[name] = new RawJson(nullCountText);
    if (stats['has_nan'] === 'true') continue;
    const lower = stats['min'] === undefined ? undefined : statsValue(stats['min'], field.type, 'min');
    const upper = stats['max'] === undefined ? undefined : statsValue(stats['max'], field.type, 'max');
    if (lower !== undefined) min[name] = lower;
    if (upper !== undefined) max[name] = upper;
  }
}

/** The key DuckDB uses for a column path: each name double-quoted, joined by dots. */
export function statsKey(path: readonly string[]): string {
  return path.map((p) => `"${p.replaceAll('"', '""')}"`).join('.');
}

function statsValue(text: string, type: DataType, side: 'min' | 'max'): RawJson | undefined {
  if (type.kind === 'decimal') return /^-?\d+(\.\d+)?$/.test(text) ? new RawJson(text) : undefined;
  if (type.kind !== 'primitive') return undefined;
  switch (type.name) {
    case 'long':
    case 'integer':
    case 'short':
    case 'byte':
      return /^-?\d+$/.test(text) ? new RawJson(text) : undefined;
    case 'float':
    case 'double':
      return /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text) ? new RawJson(text) : undefined;
    case 'string': {
      const chars = [...text];
      if (chars.length <= STRING_PREFIX_LENGTH) return new RawJson(JSON.stringify(text));
      return side === 'min' ? new RawJson(JSON.stringify(chars.slice(0, STRING_PREFIX_LENGTH).join(''))) : undefined;
    }
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(text) ? new RawJson(JSON.stringify(text)) : undefined;
    case 'timestamp':
    case 'timestamp_ntz': {
      const iso = isoMillis(text, type.name === 'timestamp');
      return iso === undefined ? undefined : new RawJson(JSON.stringify(iso));
    }
    default:
      return undefined;
  }
}

/** '2024-01-01 10:00:00.123456+00' → '2024-01-01T10:00:00.123Z' (ntz: no zone suffix). */
function isoMillis(text: string, utc: boolean): string | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(?:\+00(?::00)?)?$/.exec(text);
  if (match === null) return undefined;
  const millis = (match[3] ?? '').padEnd(3, '0').slice(0, 3);
  return `${match[1]}T${match[2]}.${millis}${utc ? 'Z' : ''}`;
}

function render(tree: StatsTree): string {
  const entries = Object.entries(tree).map(([key, value]) => `${JSON.stringify(key)}:${value instanceof RawJson ? value.text : render(value)}`);
  return `{${entries.join(',')}}`;
}
