import { quoteIdent, quoteLiteral } from '../../engine/index.js';
import { describeType, toDuckDBType, type DataType, type StructField, type StructType } from '../../table/index.js';
import { QuarantineReason } from '../source-position.js';
import type { Rule } from './rule.js';

export interface CheckOptions {
  rules?: readonly Rule[];
  /** What to do with fields the table does not have: quarantine the record (default) or drop the field. */
  unknownFields?: 'quarantine' | 'ignore';
}

/** JSON types (as json_type names them) each column type accepts; anything else is a TYPE_MISMATCH. */
function acceptedJsonTypes(type: DataType): string[] {
  if (type.kind === 'decimal') return ['BIGINT', 'UBIGINT', 'DOUBLE', 'VARCHAR'];
  if (type.kind === 'struct' || type.kind === 'map') return ['OBJECT'];
  if (type.kind === 'array') return ['ARRAY'];
  switch (type.name) {
    case 'long':
    case 'integer':
    case 'short':
    case 'byte':
      return ['BIGINT', 'UBIGINT'];
    case 'float':
    case 'double':
      return ['BIGINT', 'UBIGINT', 'DOUBLE'];
    case 'boolean':
      return ['BOOLEAN'];
    default:
      return ['VARCHAR'];
  }
}

/** A SQL string literal for any text, NUL characters included (a quoted literal cannot hold one). */
function textLiteral(value: string): string {
  return value.split('\u0000').map(quoteLiteral).join(' || chr(0) || ');
}

/**
 * The JSON pointer of a top-level field: pointers escape only `~` and `/`, so any key
 * (quotes, backslashes, dots) is found exactly, where `$."..."` paths cannot hold a quote.
 */
function fieldPointer(name: string): string {
  return textLiteral(`/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`);
}

/** Delta's date and timestamp range: years 0001 to 9999, never infinity. */
const FIRST_DAY = `DATE '0001-01-01'`;
const LAST_DAY = `DATE '9999-12-31'`;

/**
 * A number that goes into a float or double column only when no digit is lost: an
 * integer literal must be exactly representable (beyond 2^53 most are not), and the
 * value must be finite (`1e400` is not).
 */
function exactFloat(ex: string, target: string): string {
  const value = `TRY_CAST(${ex} AS ${target})`;
  const text = `${ex}::VARCHAR`;
  return `CASE WHEN NOT isfinite(${value}) THEN NULL
    WHEN regexp_full_match(${text}, '-?[0-9]+') AND TRY_CAST(${text} AS HUGEINT) IS DISTINCT FROM TRY_CAST(${value} AS HUGEINT) THEN NULL
    ELSE ${value} END`;
}

/**
 * A number into a decimal column only when no digit is lost: DuckDB's cast rounds 1.239
 * into decimal(10,2) as 1.24. In plain notation the fraction may have no more digits
 * (trailing zeros aside) than the scale; in exponent notation the value must be the same
 * number as a double.
 */
export function exactDecimal(text: string, target: string, scale: number): string {
  const value = `TRY_CAST(${text} AS ${target})`;
  const trimmed = `trim(${text})`;
  return `CASE WHEN regexp_full_match(${trimmed}, '[+-]?[0-9]*[.]?[0-9]*') THEN CASE WHEN length(rtrim(split_part(${trimmed}, '.', 2), '0')) <= ${scale} THEN ${value} END
    WHEN TRY_CAST(${trimmed} AS DOUBLE) = TRY_CAST(${value} AS DOUBLE) THEN ${value} END`;
}

/**
 * A timestamp string as an instant: an offset (`Z`, `+02:00`, a zone name) is applied,
 * a string without one is UTC. timestamp_ntz columns get the UTC wall-clock time, so no
 * offset is ever dropped. Infinity and years outside 0001-9999 give NULL (a mismatch).
 */
function instant(text: string, type: 'timestamp' | 'timestamp_ntz'): string {
  const tz = `TRY_CAST(${text} AS TIMESTAMPTZ)`;
  const utc = `timezone('UTC', ${tz})`;
  const inRange = `isfinite(${tz}) AND ${utc} >= ${FIRST_DAY}::TIMESTAMP AND ${utc} < (${LAST_DAY} + 1)::TIMESTAMP`;
  return `CASE WHEN ${inRange} THEN ${type === 'timestamp' ? tz : utc} END`;
}

/** A date string: a plain day in Delta's range; a time of day other than UTC midnight would be dropped, so it is refused. */
function day(text: string): string {
  const value = `TRY_CAST(${text} AS DATE)`;
  return `CASE WHEN isfinite(${value}) AND ${value} BETWEEN ${FIRST_DAY} AND ${LAST_DAY} AND timezone('UTC', TRY_CAST(${text} AS TIMESTAMPTZ)) = ${value}::TIMESTAMP THEN ${value} END`;
}

/** SQL converting the extracted JSON value `ex` to the column type; strings are unquoted first. */
function convert(ex: string, type: DataType): string {
  const target = toDuckDBType(type);
  if (type.kind === 'primitive') {
    const text = `json_extract_string(${ex}, '$')`;
    if (type.name === 'string') return text;
    if (type.name === 'binary') return `TRY(from_base64(${text}))`;
    if (type.name === 'date') return day(text);
    if (type.name === 'timestamp' || type.name === 'timestamp_ntz') return instant(text, type.name);
    if (type.name === 'float' || type.name === 'double') return exactFloat(ex, target);
  }
  if (type.kind === 'decimal')
    return exactDecimal(`CASE WHEN json_type(${ex}) = 'VARCHAR' THEN json_extract_string(${ex}, '$') ELSE ${ex}::VARCHAR END`, target, type.scale);
  return `TRY_CAST(${ex} AS ${target})`;
}

/** Whether values of this type hold JSON objects (structs, maps, at any depth), where a key could repeat. */
function holdsObjects(type: DataType): boolean {
  if (type.kind === 'struct' || type.kind === 'map') return true;
  if (type.kind === 'array') return holdsObjects(type.elementType);
  return false;
}

/** What a source found wrong with a record before parsing it (staged in `aq_reject`), and what the quarantine says about it. */
const REJECT_MESSAGES: Readonly<Record<string, string>> = {
  [QuarantineReason.INVALID_UTF8]: 'the payload is not valid UTF-8; the quarantined payload is its bytes in base64',
};

/**
 * SQL that checks and converts staged JSON records (`aq_seq`, `aq_raw`, `aq_source`,
 * and the source position `aq_app`, `aq_pos`, `aq_dom`, `aq_key`, `aq_at`, passed through)
 * to the table's columns, in one pass. Each row comes out with its typed columns and,
 * when it must be quarantined, `aq_reason` (a stable code) and `aq_message` naming the
 * field and what was wrong; valid rows have `aq_reason` NULL. With `staged.rejects`, the
 * stage also has `aq_reject`: a reason a source already found (invalid UTF-8), which wins.
 */
export function jsonRecordChecks(stage: string, schema: StructType, options: CheckOptions = {}, staged: { rejects?: boolean } = {}): string {
  const fields = schema.fields;
  // Each record's text is parsed three times (validate, extract every field with one
  // list of paths, list its keys); every further test works on the small extracted values.
  const paths = fields.map((f) => fieldPointer(f.name));
  const reject = staged.rejects === true ? 'aq_reject' : 'CAST(NULL AS VARCHAR) AS aq_reject';
  const parsed = `SELECT aq_seq, aq_raw, aq_source, aq_app, aq_pos, aq_dom, aq_key, aq_at, ${reject}, CASE WHEN ${staged.rejects === true ? 'aq_reject IS NULL AND ' : ''}json_valid(aq_raw) THEN CASE WHEN starts_with(ltrim(aq_raw, ' ' || chr(9) || chr(10) || chr(13)), '{') THEN aq_raw END END AS aq_json FROM ${stage}`;
  const lists = `SELECT *, ${paths.length === 0 ? 'CAST([] AS JSON[])' : `json_extract(aq_json, [${paths.join(', ')}])`} AS aq_exs, json_keys(aq_json) AS aq_keys FROM (${parsed})`;
  const extracted = `SELECT * EXCLUDE (aq_exs)${fields.map((_, i) => `, aq_exs[${i + 1}] AS aq_ex_${i}`).join('')} FROM (${lists})`;
  const converted = fields.map((f, i) => {
    const ex = `aq_ex_${i}`;
    const accepted = acceptedJsonTypes(f.type).map(quoteLiteral).join(', ');
    return `CASE WHEN json_type(${ex}) IN (${accepted}) THEN ${convert(ex, f.type)} END AS ${quoteIdent(f.name)}`;
  });
  const typed = `SELECT *, ${converted.join(', ')} FROM (${extracted})`;
  const names = fields.map((f) => textLiteral(f.name)).join(', ');
  const unknown = `list_filter(aq_keys, lambda k: k NOT IN (${names === '' ? "''" : names}))`;
  const cases: { when: string; reason: string; message: string }[] = [
    ...Object.entries(REJECT_MESSAGES).map(([reason, message]) => ({ when: `aq_reject = ${quoteLiteral(reason)}`, reason, message: quoteLiteral(message) })),
    { when: 'aq_json IS NULL', reason: QuarantineReason.PARSE_ERROR, message: `'the payload is not a JSON object'` },
    // JSON parsers disagree on a repeated key (first or last wins), so neither value is taken.
    {
      when: 'len(aq_keys) <> len(list_distinct(aq_keys))',
      reason: QuarantineReason.DUPLICATE_KEY,
      message: `'the record repeats the key ' || array_to_string(list_distinct(list_filter(aq_keys, lambda k: len(list_filter(aq_keys, lambda j: j = k)) > 1)), ', ')`,
    },
  ];
  // The same inside objects bound for struct and map columns; only those columns pay for walking the value's tree.
  fields.forEach((f, i) => {
    if (!holdsObjects(f.type)) return;
    const ex = `aq_ex_${i}`;
    const repeats = `(SELECT count(*) FROM (SELECT 1 FROM json_tree(${ex}) WHERE key IS NOT NULL GROUP BY parent, key HAVING count(*) > 1))`;
    cases.push({
      when: `json_type(${ex}) IN ('OBJECT', 'ARRAY') AND ${repeats} > 0`,
      reason: QuarantineReason.DUPLICATE_KEY,
      message: textLiteral(`an object in field "${f.name}" repeats a key`),
    });
  });
  if (options.unknownFields !== 'ignore') {
    cases.push({
      when: `len(${unknown}) > 0`,
      reason: QuarantineReason.UNKNOWN_FIELD,
      message: `'the table has no field ' || array_to_string(${unknown}, ', ')`,
    });
  }
  fields.forEach((f: StructField, i) => {
    const ex = `aq_ex_${i}`;
    const present = `(${ex} IS NOT NULL AND json_type(${ex}) <> 'NULL')`;
    cases.push({
      when: `${present} AND ${quoteIdent(f.name)} IS NULL`,
      reason: QuarantineReason.TYPE_MISMATCH,
      message: `${textLiteral(`field "${f.name}" should be ${describeType(f.type)} but is `)} || lower(json_type(${ex})) || ' ' || left(${ex}::VARCHAR, 200)`,
    });
    if (!f.nullable) {
      cases.push({
        when: `NOT ${present}`,
        reason: QuarantineReason.MISSING_REQUIRED,
        message: textLiteral(`field "${f.name}" is required but missing or null`),
      });
    }
  });
  for (const rule of options.rules ?? []) {
    cases.push({
      when: `NOT COALESCE((${rule.sql}), FALSE)`,
      reason: QuarantineReason.RULE_FAILED,
      message: quoteLiteral(`rule "${rule.name}" failed: ${rule.sql}`),
    });
  }
  const reason = `CASE ${cases.map((c) => `WHEN ${c.when} THEN ${quoteLiteral(c.reason)}`).join(' ')} END`;
  const message = `CASE ${cases.map((c) => `WHEN ${c.when} THEN ${c.message}`).join(' ')} END`;
  const columns = fields.map((f) => quoteIdent(f.name)).join(', ');
  return `SELECT aq_seq, aq_raw, aq_source, aq_app, aq_pos, aq_dom, aq_key, aq_at, ${columns}${columns === '' ? '' : ', '}${reason} AS aq_reason, ${message} AS aq_message FROM (${typed})`;
}
