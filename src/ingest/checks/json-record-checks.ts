import { jsonPathKey, quoteIdent, quoteLiteral } from '../../engine/index.js';
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

/** SQL converting the extracted JSON value `ex` to the column type; strings are unquoted first. */
function convert(ex: string, type: DataType): string {
  const target = toDuckDBType(type);
  if (type.kind === 'primitive') {
    if (type.name === 'string') return `json_extract_string(${ex}, '$')`;
    if (type.name === 'binary') return `TRY(from_base64(json_extract_string(${ex}, '$')))`;
    if (['date', 'timestamp', 'timestamp_ntz'].includes(type.name)) return `TRY_CAST(json_extract_string(${ex}, '$') AS ${target})`;
  }
  if (type.kind === 'decimal') return `TRY_CAST(CASE WHEN json_type(${ex}) = 'VARCHAR' THEN json_extract_string(${ex}, '$') ELSE ${ex}::VARCHAR END AS ${target})`;
  return `TRY_CAST(${ex} AS ${target})`;
}

/**
 * SQL that checks and converts staged JSON records (`aq_seq`, `aq_raw`, `aq_source`,
 * and the source position `aq_app`, `aq_pos`, `aq_dom`, `aq_key`, `aq_at`, passed through)
 * to the table's columns, in one pass. Each row comes out with its typed columns and,
 * when it must be quarantined, `aq_reason` (a stable code) and `aq_message` naming the
 * field and what was wrong; valid rows have `aq_reason` NULL.
 */
export function jsonRecordChecks(stage: string, schema: StructType, options: CheckOptions = {}): string {
  const fields = schema.fields;
  // Each record's text is parsed three times (validate, extract every field with one
  // list of paths, list its keys); every further test works on the small extracted values.
  const paths = fields.map((f) => jsonPathKey(f.name));
  const parsed = `SELECT aq_seq, aq_raw, aq_source, aq_app, aq_pos, aq_dom, aq_key, aq_at, CASE WHEN json_valid(aq_raw) THEN CASE WHEN starts_with(ltrim(aq_raw, ' ' || chr(9) || chr(10) || chr(13)), '{') THEN aq_raw END END AS aq_json FROM ${stage}`;
  const lists = `SELECT *, ${paths.length === 0 ? 'CAST([] AS JSON[])' : `json_extract(aq_json, [${paths.join(', ')}])`} AS aq_exs, json_keys(aq_json) AS aq_keys FROM (${parsed})`;
  const extracted = `SELECT * EXCLUDE (aq_exs)${fields.map((_, i) => `, aq_exs[${i + 1}] AS aq_ex_${i}`).join('')} FROM (${lists})`;
  const converted = fields.map((f, i) => {
    const ex = `aq_ex_${i}`;
    const accepted = acceptedJsonTypes(f.type).map(quoteLiteral).join(', ');
    return `CASE WHEN json_type(${ex}) IN (${accepted}) THEN ${convert(ex, f.type)} END AS ${quoteIdent(f.name)}`;
  });
  const typed = `SELECT *, ${converted.join(', ')} FROM (${extracted})`;
  const names = fields.map((f) => quoteLiteral(f.name)).join(', ');
  const unknown = `list_filter(aq_keys, lambda k: k NOT IN (${names === '' ? "''" : names}))`;
  const cases: { when: string; reason: string; message: string }[] = [
    { when: 'aq_json IS NULL', reason: QuarantineReason.PARSE_ERROR, message: `'the payload is not a JSON object'` },
  ];
  if (options.unknownFields !== 'ignore') {
    cases.push({ when: `len(${unknown}) > 0`, reason: QuarantineReason.UNKNOWN_FIELD, message: `'the table has no field ' || array_to_string(${unknown}, ', ')` });
  }
  fields.forEach((f: StructField, i) => {
    const ex = `aq_ex_${i}`;
    const present = `(${ex} IS NOT NULL AND json_type(${ex}) <> 'NULL')`;
    cases.push({
      when: `${present} AND ${quoteIdent(f.name)} IS NULL`,
      reason: QuarantineReason.TYPE_MISMATCH,
      message: `${quoteLiteral(`field "${f.name}" should be ${describeType(f.type)} but is `)} || lower(json_type(${ex})) || ' ' || left(${ex}::VARCHAR, 200)`,
    });
    if (!f.nullable) {
      cases.push({ when: `NOT ${present}`, reason: QuarantineReason.MISSING_REQUIRED, message: quoteLiteral(`field "${f.name}" is required but missing or null`) });
    }
  });
  for (const rule of options.rules ?? []) {
    cases.push({ when: `NOT COALESCE((${rule.sql}), FALSE)`, reason: QuarantineReason.RULE_FAILED, message: quoteLiteral(`rule "${rule.name}" failed: ${rule.sql}`) });
  }
  const reason = `CASE ${cases.map((c) => `WHEN ${c.when} THEN ${quoteLiteral(c.reason)}`).join(' ')} END`;
  const message = `CASE ${cases.map((c) => `WHEN ${c.when} THEN ${c.message}`).join(' ')} END`;
  const columns = fields.map((f) => quoteIdent(f.name)).join(', ');
  return `SELECT aq_seq, aq_raw, aq_source, aq_app, aq_pos, aq_dom, aq_key, aq_at, ${columns}${columns === '' ? '' : ', '}${reason} AS aq_reason, ${message} AS aq_message FROM (${typed})`;
}
