import path from 'node:path';
import { quoteIdent, quoteLiteral, type Engine } from '../../src/engine/index.js';
import { toDuckDBType, type DataType, type Snapshot, type StructField } from '../../src/table/index.js';

/**
 * Comparisons made inside DuckDB with exact types, as src/conformance/run-case.ts does:
 * the other side's columns are cast to Aquifer's types, then EXCEPT ALL both ways must
 * be empty (a multiset comparison: duplicates and NULLs count) and the counts equal.
 */

/** Aquifer's data columns (void columns are not read). */
export function readableFields(snapshot: Snapshot): StructField[] {
  return snapshot.schema.fields.filter((f) => !(f.type.kind === 'primitive' && f.type.name === 'void'));
}

/**
 * How the rows of `aquiferSql` differ from those of the relation `other` (such as
 * `read_parquet('x.parquet')`), or undefined when they are the same multiset. The
 * columns must be the same names; `other`'s are cast to the fields' types.
 */
export async function rowDifference(engine: Engine, fields: readonly StructField[], aquiferSql: string, other: string): Promise<string | undefined> {
  const otherColumns = (await engine.read(`SELECT * FROM ${other} LIMIT 0`)).columnNames();
  const names = fields.map((f) => f.name);
  const missing = names.filter((n) => !otherColumns.includes(n));
  const extra = otherColumns.filter((c) => !names.includes(c));
  if (missing.length > 0 || extra.length > 0) {
    return `columns differ: [${missing.join(', ')}] only in Aquifer, [${extra.join(', ')}] only in the other`;
  }
  const columns = names.map(quoteIdent).join(', ');
  const casts = fields.map((f) => `CAST(${quoteIdent(f.name)} AS ${toDuckDBType(f.type)}) AS ${quoteIdent(f.name)}`).join(', ');
  const relations = `WITH aquifer AS (SELECT ${columns} FROM (${aquiferSql})), other AS (SELECT ${casts} FROM ${other})`;
  const onlyAquifer = 'SELECT * FROM aquifer EXCEPT ALL SELECT * FROM other';
  const onlyOther = 'SELECT * FROM other EXCEPT ALL SELECT * FROM aquifer';
  const counts = (
    await engine.query(`${relations}
      SELECT (SELECT count(*) FROM aquifer) AS aquifer_rows, (SELECT count(*) FROM other) AS other_rows,
             (SELECT count(*) FROM (${onlyAquifer})) AS only_aquifer, (SELECT count(*) FROM (${onlyOther})) AS only_other`)
  )[0] as Record<string, bigint>;
  const n = (key: string) => Number(counts[key]);
  if (n('aquifer_rows') === n('other_rows') && n('only_aquifer') === 0 && n('only_other') === 0) return undefined;
  const sampleA = await engine.queryJson(`${relations} SELECT * FROM (${onlyAquifer}) LIMIT 3`);
  const sampleB = await engine.queryJson(`${relations} SELECT * FROM (${onlyOther}) LIMIT 3`);
  return [
    `Aquifer has ${n('aquifer_rows')} rows, the other ${n('other_rows')}; ${n('only_aquifer')} only in Aquifer, ${n('only_other')} only in the other`,
    ...sampleA.map((row) => `  only in Aquifer: ${JSON.stringify(row)}`),
    ...sampleB.map((row) => `  only in the other: ${JSON.stringify(row)}`),
  ].join('\n');
}

/** The pyarrow type name delta-rs's to_pyarrow_table gives a Delta type. */
export function arrowTypeName(type: DataType): string {
  switch (type.kind) {
    case 'decimal':
      return `decimal128(${type.precision}, ${type.scale})`;
    case 'array':
      return `list<element: ${arrowTypeName(type.elementType)}${type.containsNull ? '' : ' not null'}>`;
    case 'map':
      return `map<${arrowTypeName(type.keyType)}, ${arrowTypeName(type.valueType)}>`;
    case 'struct':
      return `struct<${type.fields.map((f) => `${f.name}: ${arrowTypeName(f.type)}${f.nullable ? '' : ' not null'}`).join(', ')}>`;
    case 'primitive': {
      const names: Partial<Record<string, string>> = {
        string: 'string',
        long: 'int64',
        integer: 'int32',
        short: 'int16',
        byte: 'int8',
        float: 'float',
        double: 'double',
        boolean: 'bool',
        binary: 'binary',
        date: 'date32[day]',
        timestamp: 'timestamp[us, tz=UTC]',
        timestamp_ntz: 'timestamp[us]',
      };
      return names[type.name] ?? `(no Arrow type for ${type.name})`;
    }
  }
}

/** The Polars dtype (as str() prints it) Polars gives a Delta type. */
export function polarsTypeName(type: DataType): string {
  switch (type.kind) {
    case 'decimal':
      return `Decimal(precision=${type.precision}, scale=${type.scale})`;
    case 'array':
      return `List(${polarsTypeName(type.elementType)})`;
    case 'map':
      return `Map(${polarsTypeName(type.keyType)}, ${polarsTypeName(type.valueType)})`;
    case 'struct':
      return `Struct({${type.fields.map((f) => `'${f.name}': ${polarsTypeName(f.type)}`).join(', ')}})`;
    case 'primitive': {
      const names: Partial<Record<string, string>> = {
        string: 'String',
        long: 'Int64',
        integer: 'Int32',
        short: 'Int16',
        byte: 'Int8',
        float: 'Float32',
        double: 'Float64',
        boolean: 'Boolean',
        binary: 'Binary',
        date: 'Date',
        timestamp: "Datetime(time_unit='us', time_zone='UTC')",
        timestamp_ntz: "Datetime(time_unit='us', time_zone=None)",
      };
      return names[type.name] ?? `(no Polars type for ${type.name})`;
    }
  }
}

const PHYSICAL_NAME = 'delta.columnMapping.physicalName';

function physical(field: StructField, mapped: boolean): string {
  const name = field.metadata[PHYSICAL_NAME];
  return mapped && typeof name === 'string' && name !== '' ? name : field.name;
}

/** A column statistics can describe: a leaf, or an array or map (which get no bounds). */
interface StatsColumn {
  /** Physical names from the top-level column down, as stats keys and delta-rs name them. */
  path: string[];
  type: DataType;
}

function statsColumns(fields: readonly StructField[], mapped: boolean, prefix: string[] = []): StatsColumn[] {
  return fields.flatMap((f) => {
    const at = [...prefix, physical(f, mapped)];
    return f.type.kind === 'struct' ? statsColumns(f.type.fields, mapped, at) : [{ path: at, type: f.type }];
  });
}

/** Strings in stats are cut to this many characters: a prefix as min, no max (Aquifer's writer). */
const STRING_PREFIX = 32;

/**
 * The statistics Aquifer's writer should have logged for a column of one data file,
 * computed from the file itself: exact min/max for numbers, dates and decimals;
 * timestamps truncated to milliseconds; strings longer than 32 characters as a 32-char
 * prefix for min and no max; no bounds for booleans, binaries, NaN-holding or infinite
 * floats, arrays and maps; null counts for every leaf but arrays and maps.
 */
function expectedStats(column: StatsColumn): { nulls: string; min: string; max: string } {
  const [top, ...rest] = column.path;
  let x = quoteIdent(top as string);
  for (const name of rest) x = `struct_extract(${x}, ${quoteLiteral(name)})`;
  const none = (type: string) => `CAST(NULL AS ${type})`;
  const t = column.type;
  if (t.kind === 'array' || t.kind === 'map' || t.kind === 'struct') return { nulls: none('BIGINT'), min: 'NULL', max: 'NULL' };
  const duck = toDuckDBType(t);
  const nulls = `count(*) - count(${x})`;
  if (t.kind === 'decimal') return { nulls, min: `min(${x})`, max: `max(${x})` };
  switch (t.name) {
    case 'long':
    case 'integer':
    case 'short':
    case 'byte':
    case 'date':
      return { nulls, min: `min(${x})`, max: `max(${x})` };
    case 'float':
    case 'double': {
      const bounded = (agg: string) => `CASE WHEN bool_or(isnan(${x})) OR isinf(${agg}(${x})) THEN ${none(duck)} ELSE ${agg}(${x}) END`;
      return { nulls, min: bounded('min'), max: bounded('max') };
    }
    case 'timestamp':
    case 'timestamp_ntz':
      return { nulls, min: `date_trunc('millisecond', min(${x}))`, max: `date_trunc('millisecond', max(${x}))` };
    case 'string':
      return {
        nulls,
        min: `CASE WHEN length(min(${x})) > ${STRING_PREFIX} THEN substring(min(${x}), 1, ${STRING_PREFIX}) ELSE min(${x}) END`,
        max: `CASE WHEN length(max(${x})) > ${STRING_PREFIX} THEN NULL ELSE max(${x}) END`,
      };
    default:
      return { nulls, min: none(duck), max: none(duck) };
  }
}

/**
 * Every disagreement between the per-file statistics delta-rs parsed from the log
 * (`dt.get_add_actions(flatten=True)`, written to `addActionsParquet`) and those
 * computed from the data files themselves: num_records, null_count.*, min.*, max.*,
 * and partition.* (the typed partition values). Empty when all agree.
 */
export async function statisticsDifferences(engine: Engine, snapshot: Snapshot, tableRoot: string, addActionsParquet: string): Promise<string[]> {
  const mapped = snapshot.columnMappingMode !== 'none';
  const partitions = new Set(snapshot.partitionColumns);
  const dataFields = snapshot.schema.fields.filter((f) => !partitions.has(f.name));
  const partitionFields = snapshot.schema.fields.filter((f) => partitions.has(f.name));
  const columns = statsColumns(dataFields, mapped);

  interface Stat {
    name: string;
    type: string;
  }
  const stats: Stat[] = [{ name: 'num_records', type: 'BIGINT' }];
  for (const c of columns) {
    const dotted = c.path.join('.');
    const duck = c.type.kind === 'array' || c.type.kind === 'map' || c.type.kind === 'struct' ? 'INTEGER' : toDuckDBType(c.type);
    stats.push({ name: `null_count.${dotted}`, type: 'BIGINT' }, { name: `min.${dotted}`, type: duck }, { name: `max.${dotted}`, type: duck });
  }
  for (const f of partitionFields) stats.push({ name: `partition.${f.name}`, type: toDuckDBType(f.type) });

  const perFile = snapshot.files.map((file) => {
    const relative = decodeURIComponent(file.path);
    const local = path.join(tableRoot, relative);
    const select = [`${quoteLiteral(path.basename(relative))} AS file`, 'count(*) AS num_records'];
    for (const c of columns) {
      const dotted = c.path.join('.');
      const e = expectedStats(c);
      select.push(
        `${e.nulls} AS ${quoteIdent(`null_count.${dotted}`)}`,
        `${e.min} AS ${quoteIdent(`min.${dotted}`)}`,
        `${e.max} AS ${quoteIdent(`max.${dotted}`)}`,
      );
    }
    for (const f of partitionFields) {
      const value = file.partitionValues[physical(f, mapped)];
      select.push(
        `CAST(${value === null || value === undefined ? 'NULL' : quoteLiteral(value)} AS ${toDuckDBType(f.type)}) AS ${quoteIdent(`partition.${f.name}`)}`,
      );
    }
    return `SELECT ${select.join(', ')} FROM read_parquet(${quoteLiteral(local)}, hive_partitioning = false)`;
  });
  if (perFile.length === 0) return [];

  const present = new Set((await engine.read(`SELECT * FROM read_parquet(${quoteLiteral(addActionsParquet)}) LIMIT 0`)).columnNames());
  const actualSelect = [
    `regexp_extract(path, '[^/]+$') AS file`,
    ...stats.map((s) => `${present.has(s.name) ? `CAST(${quoteIdent(s.name)} AS ${s.type})` : `CAST(NULL AS ${s.type})`} AS ${quoteIdent(s.name)}`),
  ];
  const expectedSelect = ['file', ...stats.map((s) => `CAST(${quoteIdent(s.name)} AS ${s.type}) AS ${quoteIdent(s.name)}`)];
  const comparisons = stats.map(
    (s) =>
      `SELECT file, ${quoteLiteral(s.name)} AS stat, CAST(e.${quoteIdent(s.name)} AS VARCHAR) AS expected, CAST(a.${quoteIdent(s.name)} AS VARCHAR) AS actual
       FROM expected e FULL JOIN actual a USING (file) WHERE e.${quoteIdent(s.name)} IS DISTINCT FROM a.${quoteIdent(s.name)}`,
  );
  const rows = await engine.queryJson(`
    WITH expected AS (SELECT ${expectedSelect.join(', ')} FROM (${perFile.map((p) => `(${p})`).join(' UNION ALL ')})),
         actual AS (SELECT ${actualSelect.join(', ')} FROM read_parquet(${quoteLiteral(addActionsParquet)}))
    ${comparisons.join('\nUNION ALL\n')}
    ORDER BY file, stat`);
  return rows.map((r) => `${String(r['file'])} ${String(r['stat'])}: written ${JSON.stringify(r['expected'])}, delta-rs read ${JSON.stringify(r['actual'])}`);
}
