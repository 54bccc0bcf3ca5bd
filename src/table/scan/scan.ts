import type { DuckDBType } from '@duckdb/node-api';
import { log } from '../../log.js';
import { EngineQueryError, quoteIdent, quoteLiteral, quoteLiteralList, type Engine, type Row } from '../../engine/index.js';
import type { AddFile } from '../actions/index.js';
import { readDeletionVector } from '../deletion-vectors/index.js';
import { DataFileInvalidError, DataFileMissingError, PredicateInvalidError } from '../errors.js';
import { partitionValueLiteral, type PartitionReadOptions } from '../partitions/index.js';
import { engineLocation, immutableEngineLocationsOf, resolveLogPath } from '../paths/index.js';
import { physicalName, toDuckDBType, type StructField, type StructType } from '../schema/index.js';
import type { Snapshot } from '../snapshot/index.js';
import { pruneFiles } from './file-pruning.js';
import { parsePredicate, type Predicate } from './predicate.js';
import { logicalValueSql } from './projection.js';
import type { ColumnMask, MaskedColumn } from './column-mask.js';

export interface ScanOptions extends PartitionReadOptions {
  /** Columns to return, in this order; all columns by default. */
  columns?: readonly string[];
  /** A SQL boolean expression over the table's columns. */
  where?: string;
  limit?: number;
  /**
   * Read only these files of the snapshot's table (such as the ones some commits added),
   * with the snapshot's schema, instead of its live files.
   */
  files?: readonly AddFile[];
  /**
   * Add the columns `_aq_file` (the data file's local path) and `_aq_row` (the row's
   * index in that file, as deletion vectors count), for changes that must name the rows
   * they delete or rewrite.
   */
  rowIds?: boolean;
  /** Read the files with these columns instead of the snapshot's (change data files carry `_change_type`). */
  schema?: StructType;
  /**
   * Columns masked for the reader (governance's `readerMask`). Applied before `where`, so a
   * filter sees the values the reader sees and cannot probe clear ones; a filter naming a
   * masked column reads every file, since the files' statistics describe clear values.
   */
  mask?: ColumnMask;
}

/** The row-identity columns a `rowIds` scan adds. */
export const ROW_FILE_COLUMN = '_aq_file';
export const ROW_INDEX_COLUMN = '_aq_row';

const STORED_TYPES_CACHE_SIZE = 64;
const STORED_TYPES_MAX_FILES = 20_000;
/** Least recently used file sets and their stored column types (Map keeps insertion order). */
const storedTypesCache = new Map<string, Map<string, DuckDBType>>();

/** What a scan will read: the files left after pruning and the one DuckDB query over them. */
export interface ScanPlan {
  files: AddFile[];
  /** Files in the snapshot before pruning. */
  totalFiles: number;
  /** A DuckDB query returning the table's rows with logical names and types. */
  sql: string;
  columns: string[];
  /** The returned columns' fields (names and Delta types), in `columns` order. */
  fields: StructField[];
}

/**
 * A read of one snapshot. Files are pruned by partition values and statistics, then
 * DuckDB reads the remaining Parquet files in one query: partition values become typed
 * constants, column-mapped names become logical ones, deletion-vector rows are
 * anti-joined away by their row index.
 */
export class Scan {
  private planned: Promise<ScanPlan> | undefined;
  /** Where DuckDB was told to open each data file (its path in the log as key), so a failure names the right one. */
  private readonly locations = new Map<string, string>();

  constructor(
    private readonly snapshot: Snapshot,
    private readonly engine: Engine,
    private readonly options: ScanOptions = {},
  ) {}

  plan(): Promise<ScanPlan> {
    this.planned ??= this.buildPlan();
    return this.planned;
  }

  /** The files the scan reads, each with where DuckDB opens it: what `_aq_file` holds in a `rowIds` scan. */
  async fileLocations(): Promise<{ file: AddFile; location: string }[]> {
    const plan = await this.plan();
    return plan.files.map((file) => ({ file, location: this.locations.get(file.path) ?? '' }));
  }

  async sql(): Promise<string> {
    return (await this.plan()).sql;
  }

  /** All rows, with JSON-safe values (64-bit integers, decimals and timestamps as exact strings). */
  async rows(): Promise<Row[]> {
    return this.run(async (sql) => this.engine.queryJson(sql));
  }

  /** Rows chunk by chunk, for results too large to hold. */
  async *stream(): AsyncGenerator<{ columns: string[]; rows: Row[] }> {
    const sql = await this.sql();
    try {
      yield* this.engine.stream(sql);
    } catch (error) {
      throw await this.explain(error);
    }
  }

  async count(): Promise<number> {
    const rows = await this.run((sql) => this.engine.query(`SELECT count(*) AS n FROM (${sql})`));
    return Number(rows[0]?.['n'] ?? 0);
  }

  private async run<T>(work: (sql: string) => Promise<T>): Promise<T> {
    const sql = await this.sql();
    try {
      return await work(sql);
    } catch (error) {
      throw await this.explain(error);
    }
  }

  /** Turn DuckDB's failure into the typed error that says what is really wrong. */
  private async explain(error: unknown, files?: readonly AddFile[]): Promise<unknown> {
    if (!(error instanceof EngineQueryError)) return error;
    for (const file of files ?? (await this.plan()).files) {
      const resolved = resolveLogPath(this.snapshot.store, file.path, this.snapshot.location);
      if ((await resolved.store.head(resolved.key)) === undefined) return new DataFileMissingError(`${resolved.store.url}/${resolved.key}`, error);
      // DuckDB names the Parquet file it could not decode (a bad footer, a file cut short).
      if (error.message.includes(this.locations.get(file.path) ?? (await engineLocation(this.engine, resolved.store, resolved.key))))
        return new DataFileInvalidError(`${resolved.store.url}/${resolved.key}`, error);
    }
    // A footer that decodes into nonsense fails without a file name: find the file by reading each footer alone.
    for (const file of files ?? (await this.plan()).files) {
      const resolved = resolveLogPath(this.snapshot.store, file.path, this.snapshot.location);
      try {
        const location = this.locations.get(file.path) ?? (await engineLocation(this.engine, resolved.store, resolved.key));
        await this.engine.query(`SELECT count(*) FROM parquet_metadata(${quoteLiteral(location)})`);
      } catch (probe) {
        if (probe instanceof EngineQueryError) return new DataFileInvalidError(`${resolved.store.url}/${resolved.key}`, error);
        throw probe;
      }
    }
    if (this.options.where !== undefined && /Binder Error|Conversion Error|Parser Error/.test(error.message)) {
      return new PredicateInvalidError(`The filter failed: ${error.message}`, this.options.where, error);
    }
    return error;
  }

  private async buildPlan(): Promise<ScanPlan> {
    const snapshot = this.snapshot;
    const fields = (this.options.schema ?? snapshot.schema).fields.filter((f) => !(f.type.kind === 'primitive' && f.type.name === 'void'));
    const output = this.outputColumns(fields);
    let predicate: Predicate | undefined;
    const candidates = this.options.files ?? snapshot.files;
    let files: AddFile[] = [...candidates];
    const masked = new Map<string, MaskedColumn>();
    for (const f of fields) {
      const column = this.options.mask?.(f, quoteIdent(f.name));
      if (column !== undefined) masked.set(f.name, column);
    }
    if (this.options.where !== undefined) {
      predicate = await parsePredicate(this.engine, this.options.where);
      const lowered = new Set([...masked.keys()].map((n) => n.toLowerCase()));
      const namesMasked = predicate.columns.some((path) => lowered.has((path[0] ?? '').toLowerCase()));
      if (!namesMasked) files = await pruneFiles(this.engine, snapshot, candidates, predicate, this.options);
    }
    let logical = await this.logicalSelect(fields, files);
    if (masked.size > 0) {
      const columns = fields.map((f) => {
        const column = masked.get(f.name);
        return column === undefined ? quoteIdent(f.name) : `${column.sql} AS ${quoteIdent(f.name)}`;
      });
      if (this.options.rowIds === true) columns.push(ROW_FILE_COLUMN, ROW_INDEX_COLUMN);
      logical = `SELECT ${columns.join(', ')} FROM (${logical}) AS aquifer_clear`;
    }
    const selected = this.options.rowIds === true ? [...output, ROW_FILE_COLUMN, ROW_INDEX_COLUMN] : output;
    let sql = `SELECT ${selected.map(quoteIdent).join(', ')} FROM (${logical}) AS aquifer_table`;
    if (predicate !== undefined) sql += ` WHERE ${predicate.sql}`;
    if (this.options.limit !== undefined) sql += ` LIMIT ${Math.max(0, Math.floor(this.options.limit))}`;
    log.debug({ table: snapshot.location, version: snapshot.version, files: files.length, totalFiles: snapshot.files.length }, 'scan planned');
    const described = (name: string): StructField => {
      const f = fields.find((candidate) => candidate.name === name) as StructField;
      const column = masked.get(name);
      return column === undefined ? f : { ...f, type: column.type, nullable: true };
    };
    return { files, totalFiles: candidates.length, sql, columns: output, fields: output.map(described) };
  }

  private outputColumns(fields: readonly StructField[]): string[] {
    if (this.options.columns === undefined) return fields.map((f) => f.name);
    return this.options.columns.map((name) => {
      const field = fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
      if (field === undefined) {
        throw new PredicateInvalidError(`The table has no column '${name}' (columns: ${fields.map((f) => f.name).join(', ')})`, name);
      }
      return field.name;
    });
  }

  /** One SELECT producing every logical column from the files' physical contents. */
  private async logicalSelect(fields: readonly StructField[], files: readonly AddFile[]): Promise<string> {
    const snapshot = this.snapshot;
    const mode = snapshot.columnMappingMode;
    const partitions = new Set(snapshot.partitionColumns);
    const rowIds = this.options.rowIds === true;
    if (files.length === 0) {
      const empty = fields.map((f) => `CAST(NULL AS ${toDuckDBType(f.type)}) AS ${quoteIdent(f.name)}`);
      if (rowIds) empty.push(`CAST(NULL AS VARCHAR) AS ${ROW_FILE_COLUMN}`, `CAST(NULL AS BIGINT) AS ${ROW_INDEX_COLUMN}`);
      return `SELECT ${empty.join(', ')} LIMIT 0`;
    }
    const resolved = files.map((file) => resolveLogPath(snapshot.store, file.path, snapshot.location));
    // Row-identity scans (DML) name each row's file by its engine location, which the caller
    // maps back to the file; a cached copy there could be evicted between the two lookups.
    const locals = rowIds
      ? await Promise.all(resolved.map((r) => engineLocation(this.engine, r.store, r.key)))
      : await immutableEngineLocationsOf(
          this.engine,
          // The log gives each file's size and time: a warm read need not look them up.
          resolved.map((r, i) => ({ ...r, size: files[i]?.size ?? 0, version: String(files[i]?.modificationTime ?? 0) })),
        );
    const located = files.map((file, index) => ({ file, local: locals[index] ?? '' }));
    for (const { file, local } of located) this.locations.set(file.path, local);
    const stored = await this.storedTypes(
      located.map((l) => l.local),
      files,
    );
    const partitionFields = fields.filter((f) => partitions.has(f.name));
    const partitionPhysical = partitionFields.map((f) => physicalName(f, mode));
    const exclude = [...partitionPhysical.filter((name) => stored.has(name)), 'file_row_number', ...(rowIds ? [ROW_FILE_COLUMN] : [])];
    const ids = (file: string) => (rowIds ? `, ${file} AS ${ROW_FILE_COLUMN}, file_row_number AS ${ROW_INDEX_COLUMN}` : '');
    const dataColumns = `COLUMNS(lambda c: c NOT IN (${exclude.map(quoteLiteral).join(', ')}))`;
    const hasData = [...stored.keys()].some((name) => !exclude.includes(name));

    // Files sharing partition values (and no deletion vector) are read by one read_parquet.
    const groups = new Map<string, { values: AddFile['partitionValues']; locals: string[] }>();
    const branches: string[] = [];
    for (const { file, local } of located) {
      const values = file.partitionValues;
      if (file.deletionVector === undefined) {
        const key = JSON.stringify(partitionPhysical.map((name) => values[name] ?? null));
        const group = groups.get(key) ?? { values, locals: [] };
        group.locals.push(local);
        groups.set(key, group);
        continue;
      }
      const deleted = await readDeletionVector(snapshot.store, file.deletionVector, `${snapshot.location} (${file.path})`);
      const select = this.branchSelect(hasData ? dataColumns : undefined, partitionFields, values);
      const source = `read_parquet(${quoteLiteral(local)}, file_row_number = true)`;
      const selectWithIds = `${select}${ids(quoteLiteral(local))}`;
      branches.push(
        deleted.length === 0
          ? `SELECT ${selectWithIds} FROM ${source}`
          : `SELECT ${selectWithIds} FROM ${source} WHERE file_row_number NOT IN (SELECT CAST(unnest(string_split(${quoteLiteral(deleted.join(','))}, ',')) AS BIGINT))`,
      );
    }
    for (const group of groups.values()) {
      const select = this.branchSelect(hasData ? '*' : undefined, partitionFields, group.values, exclude);
      const options = rowIds ? `, file_row_number = true, filename = ${quoteLiteral(ROW_FILE_COLUMN)}` : '';
      branches.unshift(`SELECT ${select}${ids(ROW_FILE_COLUMN)} FROM read_parquet(${quoteLiteralList(group.locals)}, union_by_name = true${options})`);
    }
    const union = branches.length === 1 ? (branches[0] as string) : branches.map((b) => `(${b})`).join(' UNION ALL BY NAME ');
    const projection = fields.map((f) => {
      const name = physicalName(f, mode);
      const source = quoteIdent(name);
      const type = partitions.has(f.name) ? undefined : stored.get(name);
      const expr = partitions.has(f.name) ? `CAST(${source} AS ${toDuckDBType(f.type)})` : logicalValueSql(source, f.type, type, mode);
      return `${expr} AS ${quoteIdent(f.name)}`;
    });
    if (rowIds) projection.push(ROW_FILE_COLUMN, ROW_INDEX_COLUMN);
    return `SELECT ${projection.join(', ')} FROM (${union}) AS aquifer_files`;
  }

  private branchSelect(data: string | undefined, partitionFields: readonly StructField[], values: AddFile['partitionValues'], exclude?: string[]): string {
    const mode = this.snapshot.columnMappingMode;
    const parts: string[] = [];
    if (data !== undefined) parts.push(data === '*' && exclude !== undefined ? `COLUMNS(lambda c: c NOT IN (${exclude.map(quoteLiteral).join(', ')}))` : data);
    for (const field of partitionFields) {
      const name = physicalName(field, mode);
      parts.push(`${partitionValueLiteral(values[name], field.type, this.options)} AS ${quoteIdent(name)}`);
    }
    return parts.join(', ');
  }

  /**
   * The top-level columns the files hold, with their stored types (unioned across
   * files). Data files never change once written, so the answer for a set of files is
   * kept: repeated scans of a table skip re-reading the footers.
   */
  private async storedTypes(locals: readonly string[], files: readonly AddFile[]): Promise<Map<string, DuckDBType>> {
    const key = locals.length <= STORED_TYPES_MAX_FILES ? locals.join('\n') : undefined;
    const cached = key === undefined ? undefined : storedTypesCache.get(key);
    if (cached !== undefined) {
      storedTypesCache.delete(key as string);
      storedTypesCache.set(key as string, cached);
      return cached;
    }
    let reader;
    try {
      reader = await this.engine.read(`SELECT * FROM read_parquet(${quoteLiteralList(locals)}, union_by_name = true) LIMIT 0`);
    } catch (error) {
      throw await this.explain(error, files);
    }
    const names = reader.columnNames();
    const types = reader.columnTypes();
    const stored = new Map(names.map((name, index) => [name, types[index] as DuckDBType]));
    if (key !== undefined) {
      storedTypesCache.set(key, stored);
      if (storedTypesCache.size > STORED_TYPES_CACHE_SIZE) storedTypesCache.delete(storedTypesCache.keys().next().value as string);
    }
    return stored;
  }
}
