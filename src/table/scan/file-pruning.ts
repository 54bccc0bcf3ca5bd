import { quoteIdent, type Engine } from '../../engine/index.js';
import type { AddFile } from '../actions/index.js';
import { PredicateInvalidError } from '../errors.js';
import { partitionValueExpr, type PartitionReadOptions } from '../partitions/index.js';
import { toDuckDBType, type DataType } from '../schema/index.js';
import type { Snapshot } from '../snapshot/index.js';
import { resolveColumn, type ResolvedColumn } from './column-resolver.js';
import { FileIndex, fileIndexFor } from './file-index.js';
import type { Predicate, PredicateNode } from './predicate.js';

/**
 * Keep only the files that may hold rows matching the predicate, judged from partition
 * values (exactly) and from per-file min/max/nullCount statistics (conservatively),
 * before any data file is opened. The file metadata goes into a DuckDB temp table so
 * that values compare with DuckDB's own typing, exactly as the scan will.
 */
export async function pruneFiles(
  engine: Engine,
  snapshot: Snapshot,
  files: readonly AddFile[],
  predicate: Predicate,
  options: PartitionReadOptions = {},
): Promise<AddFile[]> {
  if (files.length === 0) return [];
  // The snapshot's own file list has a cached index; any other list gets one of its own.
  const shared = files === snapshot.files;
  const index = shared ? await fileIndexFor(engine, snapshot) : await FileIndex.build(engine, snapshot, files);
  try {
    const condition = new SkippingSql(snapshot, predicate, options, index).build(predicate.root);
    if (condition === 'TRUE') return [...files];
    let keep: Set<number>;
    try {
      keep = await index.matching(engine, condition);
    } catch (error) {
      throw new PredicateInvalidError(`The filter cannot be applied to the table's columns: ${(error as Error).message}`, predicate.text, error);
    }
    return files.filter((_, i) => keep.has(i));
  } finally {
    if (!shared) await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(index.table)}`);
  }
}

class SkippingSql {
  constructor(
    private readonly snapshot: Snapshot,
    private readonly predicate: Predicate,
    private readonly options: PartitionReadOptions,
    private readonly index: FileIndex,
  ) {}

  build(node: PredicateNode): string {
    switch (node.kind) {
      case 'and':
      case 'or': {
        const parts = node.children.map((c) => this.build(c));
        if (node.kind === 'and') {
          const useful = parts.filter((p) => p !== 'TRUE');
          return useful.length === 0 ? 'TRUE' : `(${useful.join(' AND ')})`;
        }
        return parts.includes('TRUE') ? 'TRUE' : `(${parts.join(' OR ')})`;
      }
      case 'unknown':
        return 'TRUE';
      default: {
        const column = resolveColumn(this.snapshot.schema, this.snapshot.columnMappingMode, this.snapshot.partitionColumns, node.column, this.predicate.text);
        if (column === undefined) return 'TRUE';
        return column.partitionIndex !== undefined ? this.partitionLeaf(node, column) : this.statsLeaf(node, column);
      }
    }
  }

  /** Partition values are exact: a file is kept only when its value satisfies the leaf. */
  private partitionLeaf(node: Exclude<PredicateNode, { kind: 'and' | 'or' | 'unknown' }>, column: ResolvedColumn): string {
    const value = partitionValueExpr(`pv_${column.partitionIndex}`, column.type, this.options);
    switch (node.kind) {
      case 'compare':
        return `COALESCE((${value}) ${node.op} ${node.value}, FALSE)`;
      case 'in':
        return `COALESCE((${value}) IN (${node.values.join(', ')}), FALSE)`;
      case 'between':
        return `COALESCE((${value}) BETWEEN ${node.lower} AND ${node.upper}, FALSE)`;
      case 'isNull':
        return `((${value}) IS NULL)`;
      case 'isNotNull':
        return `((${value}) IS NOT NULL)`;
    }
  }

  /** Statistics are bounds: a file is dropped only when its bounds prove no row can match. */
  private statsLeaf(node: Exclude<PredicateNode, { kind: 'and' | 'or' | 'unknown' }>, column: ResolvedColumn): string {
    const pointer = column.physical.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
    const numRecords = `TRY_CAST(json_extract_string(stats, '/numRecords') AS BIGINT)`;
    const nullCount = `TRY_CAST(json_extract_string(stats, '/nullCount/${escapeSqlString(pointer)}') AS BIGINT)`;
    if (node.kind === 'isNull') return `COALESCE(${nullCount} > 0, TRUE)`;
    if (node.kind === 'isNotNull') return `COALESCE(${nullCount} < ${numRecords}, TRUE)`;
    const bounds = column.type.kind === 'decimal' ? this.exactDecimalBounds(column) : statsBounds(column.type, pointer);
    if (bounds === undefined) return 'TRUE';
    const { min, max } = bounds;
    let test: string;
    switch (node.kind) {
      case 'compare':
        test = compareTest(node.op, node.value, min, max);
        break;
      case 'in':
        test = node.values.length === 0 ? 'FALSE' : `(${node.values.map((v) => compareTest('=', v, min, max)).join(' OR ')})`;
        break;
      case 'between':
        test = `COALESCE(NOT ((${max}) < ${node.lower} OR (${min}) > ${node.upper}), TRUE)`;
        break;
    }
    // A file whose every row is NULL in the column matches no comparison.
    return `(${test} AND NOT COALESCE(${nullCount} = ${numRecords}, FALSE))`;
  }

  /** Decimal bounds come exact from the file index (DuckDB's JSON functions read numbers as doubles). */
  private exactDecimalBounds(column: ResolvedColumn): { min: string; max: string } | undefined {
    const index = this.index.decimalIndex(column.physical);
    if (index < 0) return undefined;
    const t = toDuckDBType(column.type);
    return { min: `TRY_CAST(xmin_${index} AS ${t})`, max: `TRY_CAST(xmax_${index} AS ${t})` };
  }
}

function compareTest(op: string, value: string, min: string, max: string): string {
  switch (op) {
    case '=':
      return `COALESCE(NOT ((${min}) > ${value} OR (${max}) < ${value}), TRUE)`;
    case '<':
      return `COALESCE((${min}) < ${value}, TRUE)`;
    case '<=':
      return `COALESCE((${min}) <= ${value}, TRUE)`;
    case '>':
      return `COALESCE((${max}) > ${value}, TRUE)`;
    case '>=':
      return `COALESCE((${max}) >= ${value}, TRUE)`;
    default:
      return `COALESCE(NOT ((${min}) = ${value} AND (${max}) = ${value}), TRUE)`;
  }
}

/**
 * SQL for a column's lower and upper bound from the stats JSON, or undefined when its
 * stats cannot bound it. Timestamps are stored truncated to milliseconds, so the upper
 * bound gains a millisecond; strings may be truncated prefixes, so a long max is no
 * bound; float maxima ignore NaN, which DuckDB sorts above every number.
 */
function statsBounds(type: DataType, pointer: string): { min: string; max: string } | undefined {
  const extract = (side: 'minValues' | 'maxValues') => `json_extract_string(stats, '/${side}/${escapeSqlString(pointer)}')`;
  if (type.kind !== 'primitive') return undefined;
  switch (type.name) {
    case 'long':
    case 'integer':
    case 'short':
    case 'byte':
    case 'date': {
      const t = toDuckDBType(type);
      return { min: `TRY_CAST(${extract('minValues')} AS ${t})`, max: `TRY_CAST(${extract('maxValues')} AS ${t})` };
    }
    case 'float':
    case 'double': {
      const t = toDuckDBType(type);
      return { min: `TRY_CAST(${extract('minValues')} AS ${t})`, max: 'NULL' };
    }
    case 'timestamp':
    case 'timestamp_ntz': {
      const t = toDuckDBType(type);
      return { min: `TRY_CAST(${extract('minValues')} AS ${t})`, max: `(TRY_CAST(${extract('maxValues')} AS ${t}) + INTERVAL 1 MILLISECOND)` };
    }
    case 'string': {
      const max = extract('maxValues');
      return { min: extract('minValues'), max: `CASE WHEN length(${max}) < 32 THEN ${max} END` };
    }
    default:
      return undefined;
  }
}

function escapeSqlString(text: string): string {
  return text.replaceAll("'", "''");
}
