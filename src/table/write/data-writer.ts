import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { EngineQueryError, quoteIdent, quoteLiteral, type Engine } from '../../engine/index.js';
import { StorageError, type ObjectStore } from '../../storage/index.js';
import type { AddFile } from '../actions/index.js';
import { WriteInvalidError } from '../errors.js';
import { partitionStringExpr } from '../partitions/index.js';
import { encodeRelativePath } from '../paths/index.js';
import { physicalName, type ColumnMappingMode, type StructField, type StructType } from '../schema/index.js';
import type { Snapshot } from '../snapshot/index.js';
import { buildStatsJson, type ColumnStatistics } from './file-stats.js';
import { fieldIdsOption, physicalValueSql } from './physical-columns.js';

export const DEFAULT_TARGET_FILE_SIZE = 128 * 1024 * 1024;

/** How many times its own size an input may grow to as Parquet and still go to one file. */
const ONE_FILE_MARGIN = 4;

export interface DataWriteSpec {
  schema: StructType;
  partitionColumns: readonly string[];
  mode: ColumnMappingMode;
  configuration: Readonly<Record<string, string>>;
  /** Roll to a new file after about this many bytes. */
  targetFileSize?: number;
  /** Told the fraction done (0..1) while DuckDB writes. */
  onProgress?: (fraction: number) => void;
  /** A folder under the table root to write into (change data files go to `_change_data`). */
  keyPrefix?: string;
  /** The input's size when known: an input smaller than one target file is written as one file. */
  sourceBytes?: number;
  /** Keep the source's row order: one named file (the only COPY DuckDB 1.5 writes in order). */
  preserveOrder?: boolean;
}

/** The spec for writing files of a table as a snapshot describes it; `extra` adds options or replaces fields (such as the schema). */
export function snapshotWriteSpec(snapshot: Snapshot, extra: Partial<DataWriteSpec> = {}): DataWriteSpec {
  return {
    schema: snapshot.schema,
    partitionColumns: snapshot.partitionColumns,
    mode: snapshot.columnMappingMode,
    configuration: snapshot.configuration,
    ...extra,
  };
}

const CODECS: Record<string, string> = {
  snappy: 'snappy',
  zstd: 'zstd',
  gzip: 'gzip',
  uncompressed: 'uncompressed',
  none: 'uncompressed',
  lz4_raw: 'lz4_raw',
  lz4: 'lz4_raw',
};

/**
 * Write the rows of `sql` (columns named and typed like the schema) as Parquet data
 * files under the table root, and describe each as an add action with its partition
 * values and statistics. DuckDB writes the files and collects the statistics in the
 * same pass; partition columns become folders and leave the files, as in Spark.
 */
export interface DataWriteResult {
  adds: AddFile[];
  rows: number;
  bytes: number;
}

export async function writeDataFiles(engine: Engine, store: ObjectStore, spec: DataWriteSpec, sql: string): Promise<DataWriteResult> {
  const staging = await store.stagingDir();
  try {
    return await writeStaged(engine, store, spec, sql, staging);
  } finally {
    await store.discardStaging(staging);
  }
}

/**
 * DuckDB writes into a fresh staging folder (never straight into the table: its
 * partitioned COPY mangles some target paths), then each file moves to its place.
 */
async function writeStaged(engine: Engine, store: ObjectStore, spec: DataWriteSpec, sql: string, root: string): Promise<DataWriteResult> {
  const partitions = new Set(spec.partitionColumns);
  const projection = spec.schema.fields.map((field) => {
    const source = quoteIdent(field.name);
    const target = quoteIdent(physicalName(field, spec.mode));
    // An empty string partition value means NULL in Delta: write it where NULLs go.
    return partitions.has(field.name)
      ? `NULLIF(${partitionStringExpr(source, field.type)}, '') AS ${target}`
      : `${physicalValueSql(source, field.type, spec.mode)} AS ${target}`;
  });
  const codec = CODECS[(spec.configuration['delta.parquet.compression.codec'] ?? 'snappy').toLowerCase()] ?? 'snappy';
  const options = ['FORMAT parquet', `COMPRESSION ${codec}`, 'RETURN_STATS'];
  const fieldIds = fieldIdsOption(
    spec.schema.fields.filter((f) => !partitions.has(f.name)),
    spec.mode,
  );
  if (fieldIds !== undefined) options.push(`FIELD_IDS ${fieldIds}`);
  const targetSize = Math.max(1, Math.floor(spec.targetFileSize ?? DEFAULT_TARGET_FILE_SIZE));
  // Writing into a folder, rolling files by size, costs DuckDB about a twentieth of a small
  // write more than one named file: an input that cannot fill one file gets one file. The
  // margin covers Parquet inputs compressed harder than the table's codec.
  // DuckDB's COPY into a folder (FILE_SIZE_BYTES) writes row groups as threads finish them,
  // out of order even under ORDER BY; a named file keeps the order (preserve_insertion_order).
  const oneFile =
    partitions.size === 0 && (spec.preserveOrder === true || (spec.sourceBytes !== undefined && spec.sourceBytes * ONE_FILE_MARGIN <= targetSize));
  let destination = root;
  if (oneFile) destination = path.join(root, `part-${randomUUID()}.parquet`);
  else {
    options.push("FILENAME_PATTERN 'part-{uuid}'", 'APPEND true');
    if (partitions.size > 0) {
      // DuckDB cannot roll files by size within partitions; each partition gets one file per write.
      const byPhysical = spec.partitionColumns.map((name) => quoteIdent(physicalName(field(spec.schema, name), spec.mode)));
      options.push(`PARTITION_BY (${byPhysical.join(', ')})`);
    } else {
      options.push(`FILE_SIZE_BYTES ${targetSize}`);
    }
  }
  const copy = `COPY (SELECT ${projection.join(', ')} FROM (${sql})) TO ${quoteLiteral(destination)} (${options.join(', ')})`;
  const rows = await engine.query(copy, spec.onProgress === undefined ? {} : { onProgress: spec.onProgress }).catch((error: unknown) => {
    throw partitions.size > 0 ? partitionPathError(error, spec.partitionColumns) : error;
  });
  const dataFields = spec.schema.fields.filter((f) => !partitions.has(f.name));
  const now = Date.now();
  const adds: AddFile[] = [];
  let total = 0;
  let bytes = 0;
  for (const row of rows) {
    const local = String(row['filename']);
    const relative = path.relative(root, local).split(path.sep).join('/');
    const key = spec.keyPrefix === undefined ? relative : `${spec.keyPrefix}/${relative}`;
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new StorageError(`DuckDB wrote ${local}, outside the staging folder ${root}`, local);
    }
    const count = Number(row['count']);
    if (count === 0) continue;
    await store.publishLocal(local, key);
    total += count;
    bytes += Number(row['file_size_bytes']);
    adds.push({
      path: encodeRelativePath(key),
      partitionValues: partitionValues(row['partition_keys'], spec),
      size: Number(row['file_size_bytes']),
      modificationTime: now,
      dataChange: true,
      stats: buildStatsJson(count, dataFields, spec.mode, columnStatistics(row['column_statistics'])),
    });
  }
  return { adds, rows: total, bytes };
}

/**
 * Remove files a change wrote but will not commit (data, change data or deletion-vector
 * files, by their log paths, plus any further store keys): nothing references them.
 */
export async function discardWritten(store: ObjectStore, files: readonly { path: string }[], keys: readonly string[] = []): Promise<void> {
  await Promise.all([...files.map((f) => decodeURIComponent(f.path)), ...keys].map((key) => store.delete(key)));
}

/**
 * Partition values become folder names, percent-encoded by DuckDB; one longer than the file
 * system allows (255 bytes) fails the write, which is the data's fault, not the engine's.
 */
function partitionPathError(error: unknown, columns: readonly string[]): unknown {
  if (!(error instanceof EngineQueryError) || !/Failed to create directory|File name too long/i.test(error.message)) return error;
  return new WriteInvalidError(
    'WRITE_PARTITION_VALUE_TOO_LONG',
    `A value of the partition column${columns.length === 1 ? '' : 's'} ${columns.join(', ')} is too long for a folder name`,
    columns,
    'Partition values become folder names of at most 255 bytes once percent-encoded (non-ASCII characters take 6 to 12); partition by a shorter column.',
  );
}

function field(schema: StructType, name: string): StructField {
  return schema.fields.find((f) => f.name === name) as StructField;
}

/** DuckDB returns maps as arrays of {key, value}; an empty partition string means NULL in Delta. */
function partitionValues(keys: unknown, spec: DataWriteSpec): Record<string, string | null> {
  const values: Record<string, string | null> = {};
  for (const name of spec.partitionColumns) values[physicalName(field(spec.schema, name), spec.mode)] = null;
  for (const entry of entries(keys)) {
    const value = entry.value;
    values[String(entry.key)] = value === null || value === undefined || value === '' ? null : String(value);
  }
  return values;
}

function columnStatistics(raw: unknown): ColumnStatistics {
  const out: ColumnStatistics = new Map();
  for (const column of entries(raw)) {
    const stats: Record<string, string> = {};
    for (const stat of entries(column.value)) if (stat.value !== null && stat.value !== undefined) stats[String(stat.key)] = String(stat.value);
    out.set(String(column.key), stats);
  }
  return out;
}

function entries(value: unknown): { key: unknown; value: unknown }[] {
  if (Array.isArray(value)) return value as { key: unknown; value: unknown }[];
  if (value !== null && typeof value === 'object' && 'entries' in value && Array.isArray((value as { entries: unknown }).entries)) {
    return (value as { entries: { key: unknown; value: unknown }[] }).entries;
  }
  return [];
}
