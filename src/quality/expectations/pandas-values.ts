import type { DataType } from '../../table/index.js';
import type { DataShape } from './definition.js';
import { col, literal } from './sql.js';

/**
 * How pandas sees a Delta column, which GE's answers depend on (docs/ge-semantics.md §5):
 * the text `str(value)` gives, which set members can equal a value, its dtype.
 */

const INTEGERS = new Set(['byte', 'short', 'integer', 'long']);
const FLOATS = new Set(['float', 'double']);

const primitive = (type: DataType | undefined): string | undefined => (type?.kind === 'primitive' ? type.name : undefined);
const isInteger = (type: DataType | undefined): boolean => INTEGERS.has(primitive(type) ?? '');
const isFloatType = (type: DataType | undefined): boolean => FLOATS.has(primitive(type) ?? '');
const isNumber = (type: DataType | undefined): boolean => isInteger(type) || isFloatType(type) || type?.kind === 'decimal';

/**
 * `str(value)` of a non-missing value as pandas holds it. DuckDB's double-to-text is Python's
 * shortest repr (42.0, 1e+16, 1e-05); an integer column with a null is float64 in pandas, so
 * its 42 reads "42.0" (decided over all rows, as pandas decides the dtype).
 */
export function pythonText(shape: DataShape, name: string, rows: string): string {
  const type = shape.field(name)?.type;
  const c = col(name);
  if (isInteger(type)) return `CASE WHEN (SELECT bool_or(${c} IS NULL) FROM ${rows}) THEN CAST(${c} AS DOUBLE)::VARCHAR ELSE ${c}::VARCHAR END`;
  const kind = primitive(type);
  if (kind === 'boolean') return `CASE WHEN ${c} THEN 'True' ELSE 'False' END`;
  // pandas writes a tz-aware timestamp with its offset, a naive one without.
  if (kind === 'timestamp') return `strftime(${c} AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') || '+00:00'`;
  if (kind === 'timestamp_ntz') return `strftime(${c}, '%Y-%m-%d %H:%M:%S')`;
  return `${c}::VARCHAR`;
}

/**
 * The members of a GE value_set that can equal a value of the column, as SQL literals:
 * pandas' `isin` never equals a string with a number, a date object with a string; numbers
 * match across int and float (1 == 1.0); a bool matches 1/0; datetime64 columns parse strings.
 */
export function setMembers(shape: DataShape, name: string, values: readonly unknown[]): string[] {
  const type = shape.field(name)?.type;
  const kind = primitive(type);
  const members: string[] = [];
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (kind === 'string' && typeof v === 'string') members.push(literal(v));
    else if (isNumber(type) && typeof v === 'number' && Number.isFinite(v)) members.push(literal(v));
    else if (kind === 'boolean' && typeof v === 'boolean') members.push(literal(v));
    else if (kind === 'boolean' && (v === 0 || v === 1)) members.push(v === 1 ? 'TRUE' : 'FALSE');
    else if (kind === 'timestamp' && typeof v === 'string') members.push(`TRY_CAST(${literal(v)} AS TIMESTAMPTZ)`);
    else if (kind === 'timestamp_ntz' && typeof v === 'string') members.push(`TRY_CAST(${literal(v)} AS TIMESTAMP)`);
  }
  return members;
}

/** `x IN (members)` without failing on an empty set. */
export function inSet(expr: string, members: readonly string[]): string {
  return members.length === 0 ? 'FALSE' : `${expr} IN (${members.join(', ')})`;
}

const INTEGER_DTYPES: Record<string, string> = { byte: 'int8', short: 'int16', integer: 'int32', long: 'int64' };

/**
 * The `dtype.type.__name__` pandas gives a column read from Parquet with default dtypes:
 * an integer column with a null becomes float64, a boolean one object; strings, dates,
 * decimals, bytes and nested values are objects.
 */
export function pandasDtype(type: DataType | undefined, nulls: number): string {
  const kind = primitive(type);
  if (kind !== undefined && INTEGER_DTYPES[kind] !== undefined) return nulls > 0 ? 'float64' : (INTEGER_DTYPES[kind] as string);
  if (kind === 'float') return 'float32';
  if (kind === 'double') return 'float64';
  if (kind === 'boolean') return nulls > 0 ? 'object_' : 'bool';
  if (kind === 'timestamp') return 'Timestamp';
  if (kind === 'timestamp_ntz') return 'datetime64';
  return 'object_';
}

/** The Python class of the values of an object column (what GE's per-row `isinstance` sees). */
export function pythonClass(type: DataType | undefined): string {
  if (type === undefined) return 'NoneType';
  if (type.kind === 'decimal') return 'Decimal';
  if (type.kind === 'array') return 'ndarray';
  if (type.kind === 'struct') return 'dict';
  if (type.kind === 'map') return 'list';
  const kind = type.name;
  if (kind === 'string') return 'str';
  if (kind === 'boolean') return 'bool';
  if (kind === 'date') return 'date';
  if (kind === 'binary') return 'bytes';
  return 'object';
}

/**
 * What each type name GE's `type_` can hold matches, per GE 1.24.1's pandas comparison
 * (`np.dtype(name).type`, else pandas' class of that name, plus Python's natives), limited to
 * the dtypes and value classes a Delta column can give: `[dtypes, classes]`. Generated with
 * GE's own code; a name missing here is one GE does not recognise.
 */
const TYPE_NAMES: Record<string, readonly [readonly string[], readonly string[]]> = {
  int8: [['int8'], []],
  i1: [['int8'], []],
  b: [['int8'], []],
  byte: [['int8'], []],
  int16: [['int16'], []],
  i2: [['int16'], []],
  h: [['int16'], []],
  short: [['int16'], []],
  int32: [['int32'], []],
  i4: [['int32'], []],
  i: [['int32'], []],
  intc: [['int32'], []],
  int64: [['int64'], []],
  i8: [['int64'], []],
  l: [['int64'], []],
  int_: [['int64'], []],
  intp: [['int64'], []],
  p: [['int64'], []],
  int: [['int64'], ['bool']],
  long: [['int64'], ['bool']],
  float32: [['float32'], []],
  f4: [['float32'], []],
  f: [['float32'], []],
  single: [['float32'], []],
  float64: [['float64'], []],
  f8: [['float64'], []],
  d: [['float64'], []],
  double: [['float64'], []],
  float: [['float64'], []],
  bool: [['bool'], ['bool']],
  bool_: [['bool'], []],
  '?': [['bool'], []],
  b1: [['bool'], []],
  datetime64: [['datetime64'], []],
  M8: [['datetime64'], []],
  M: [['datetime64'], []],
  Timestamp: [['Timestamp'], []],
  object: [['object_'], []],
  object_: [['object_'], []],
  O: [['object_'], []],
  str: [[], ['str']],
  string_types: [[], ['str']],
  bytes: [[], ['bytes']],
  date: [[], ['date']],
  Decimal: [[], ['Decimal']],
  dict: [[], ['dict']],
  list: [[], ['list']],
  q: [[], []],
  longlong: [[], []],
  none: [[], []],
  complex: [[], []],
  str_: [[], []],
  unicode: [[], []],
  bytes_: [[], []],
  U: [[], []],
  S: [[], []],
  DatetimeTZDtype: [[], []],
  datetime: [[], []],
  uint8: [[], []],
  uint16: [[], []],
  uint32: [[], []],
  uint64: [[], []],
  u1: [[], []],
  float16: [[], []],
  half: [[], []],
  e: [[], []],
  longdouble: [[], []],
  g: [[], []],
  complex64: [[], []],
  timedelta64: [[], []],
  m8: [[], []],
  Timedelta: [[], []],
  Period: [[], []],
  Interval: [[], []],
  Categorical: [[], []],
  CategoricalDtype: [[], []],
  StringDtype: [[], []],
  BooleanDtype: [[], []],
  Int64Dtype: [[], []],
  Float64Dtype: [[], []],
  ArrowDtype: [[], []],
  Series: [[], []],
  DataFrame: [[], []],
};

/** What a `type_` matches, or undefined when GE does not recognise the name. `datetime64[us]` and `M8[ns]` are datetime64. */
export function typeMatches(name: string): { dtypes: readonly string[]; classes: readonly string[] } | undefined {
  const unit = /^(datetime64|M8)\[(Y|M|W|D|h|m|s|ms|us|ns|ps|fs|as)\]$/.exec(name);
  const entry = Object.hasOwn(TYPE_NAMES, name) ? TYPE_NAMES[name] : unit !== null ? TYPE_NAMES['datetime64'] : undefined;
  return entry === undefined ? undefined : { dtypes: entry[0], classes: entry[1] };
}

/** A column's value with NaN made NULL: pandas holds both as NaN in a float column, where they are one missing value. */
export function presentValue(shape: DataShape, name: string): string {
  return isFloatType(shape.field(name)?.type) ? `CASE WHEN isnan(${col(name)}) THEN NULL ELSE ${col(name)} END` : col(name);
}

/**
 * A column's value as GE's JSON shows it, where that is not DuckDB's own: dates and
 * timestamps as Python's `isoformat()` (microseconds only when there are some, an offset on
 * tz-aware ones).
 */
export function geJsonValue(shape: DataShape, name: string): string {
  const kind = primitive(shape.field(name)?.type);
  const c = col(name);
  const iso = (ts: string): string =>
    `CASE WHEN microsecond(${ts}) % 1000000 = 0 THEN strftime(${ts}, '%Y-%m-%dT%H:%M:%S') ELSE strftime(${ts}, '%Y-%m-%dT%H:%M:%S.%f') END`;
  if (kind === 'date') return `strftime(${c}, '%Y-%m-%d')`;
  if (kind === 'timestamp_ntz') return iso(c);
  if (kind === 'timestamp') return `${iso(`(${c} AT TIME ZONE 'UTC')`)} || '+00:00'`;
  return c;
}

/** Python's `str(bytes)` (b'..' with escapes), which GE's JSON holds for a binary value. */
export function pythonBytes(value: unknown): unknown {
  if (!(value instanceof Uint8Array)) return value;
  const quote = value.includes(0x27) && !value.includes(0x22) ? '"' : "'";
  let text = '';
  for (const byte of value) {
    if (byte === 0x5c) text += '\\\\';
    else if (byte === quote.charCodeAt(0)) text += `\\${quote}`;
    else if (byte === 0x09) text += '\\t';
    else if (byte === 0x0a) text += '\\n';
    else if (byte === 0x0d) text += '\\r';
    else if (byte >= 0x20 && byte < 0x7f) text += String.fromCharCode(byte);
    else text += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `b${quote}${text}${quote}`;
}
