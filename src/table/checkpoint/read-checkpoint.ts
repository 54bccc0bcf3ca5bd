import type { Engine } from '../../engine/index.js';
import { DuckDBStructType, DuckDBTypeId } from '@duckdb/node-api';
import { EngineQueryError, quoteIdent, quoteLiteralList } from '../../engine/index.js';
import type { KnownObject, ObjectStore } from '../../storage/index.js';
import { parseActionLines, parseAdd, type Action } from '../actions/index.js';
import { InvalidLogError } from '../errors.js';
import { LOG_DIR, type CheckpointFile } from '../log-segment/index.js';
import { immutableEngineLocations, resolveLogPath } from '../paths/index.js';

/**
 * All actions of a checkpoint: classic, multi-part, or v2 (JSON or Parquet, with the
 * add/remove actions of its sidecar files). DuckDB decodes the Parquet.
 */
export async function readCheckpointActions(engine: Engine, store: ObjectStore, files: CheckpointFile[]): Promise<Action[]> {
  const actions: Action[] = [];
  const parquet = files.filter((f) => !(f.format === 'v2' && f.fileFormat === 'json'));
  const json = files.filter((f) => f.format === 'v2' && f.fileFormat === 'json');
  for (const file of json) {
    const text = new TextDecoder().decode(await store.get(file.meta.path));
    actions.push(...parseActionLines(text, file.meta.path));
  }
  if (parquet.length > 0) {
    actions.push(
      ...(await readParquetActions(
        engine,
        store,
        // Listed with the log: their size and time are known, so they are not looked up again.
        parquet.map((f) => ({ path: f.meta.path, size: f.meta.size, version: String(f.meta.lastModified.getTime()) })),
      )),
    );
  }
  const sidecars = actions.filter((a): a is Extract<Action, { kind: 'sidecar' }> => a.kind === 'sidecar');
  if (sidecars.length > 0) {
    const keys = sidecars.map((s) => {
      const path = s.sidecar.path;
      return path.includes('/') ? resolveLogPath(store, path, `${LOG_DIR}/_sidecars`).key : `${LOG_DIR}/_sidecars/${path}`;
    });
    actions.push(...(await readParquetActions(engine, store, keys)));
  }
  return actions;
}

/** Add actions per string DuckDB hands over: large enough to amortise, far below V8's string limit. */
const ADDS_PER_CHUNK = 50_000;
const ROW = '\u0000';
const FIELD = '\u0001';
const NULL = '\u0002';

/**
 * Fields of an add action in the order they are packed. Adds are most of a checkpoint,
 * so DuckDB packs each chunk of them into one string (fields split by U+0001, rows by
 * U+0000, NULL as U+0002; the log escapes control characters in paths and JSON), which
 * JavaScript splits: far cheaper than converting values one by one.
 */
const ADD_FIELDS: { name: string; sql: (present: ReadonlyMap<string, DuckDBTypeId>) => string | undefined }[] = [
  { name: 'path', sql: () => 'add.path' },
  { name: 'size', sql: () => 'CAST(add.size AS VARCHAR)' },
  { name: 'modificationTime', sql: (p) => (p.has('modificationTime') ? 'CAST(add.modificationTime AS VARCHAR)' : undefined) },
  { name: 'dataChange', sql: (p) => (p.has('dataChange') ? 'CAST(add.dataChange AS VARCHAR)' : undefined) },
  { name: 'stats', sql: (p) => (p.has('stats') ? 'add.stats' : p.has('stats_parsed') ? 'to_json(add.stats_parsed)::VARCHAR' : undefined) },
  { name: 'partitionValues', sql: (p) => (p.has('partitionValues') ? nestedJson('add.partitionValues', p.get('partitionValues')) : undefined) },
  { name: 'deletionVector', sql: (p) => (p.has('deletionVector') ? nestedJson('add.deletionVector', p.get('deletionVector')) : undefined) },
  { name: 'tags', sql: (p) => (p.has('tags') ? nestedJson('add.tags', p.get('tags')) : undefined) },
  { name: 'baseRowId', sql: (p) => (p.has('baseRowId') ? 'CAST(add.baseRowId AS VARCHAR)' : undefined) },
  { name: 'defaultRowCommitVersion', sql: (p) => (p.has('defaultRowCommitVersion') ? 'CAST(add.defaultRowCommitVersion AS VARCHAR)' : undefined) },
  { name: 'clusteringProvider', sql: (p) => (p.has('clusteringProvider') ? 'add.clusteringProvider' : undefined) },
];
const JSON_FIELDS = new Set(['partitionValues', 'deletionVector', 'tags']);

/**
 * A nested value as JSON, or NULL. DuckDB's to_json is spared where there is nothing to
 * render (most adds have no deletion vector, no tags and no partition values): rendering
 * those anyway costs a third of decoding a checkpoint. CASE evaluates only the rows it picks.
 */
function nestedJson(column: string, type: DuckDBTypeId | undefined): string {
  const empty = type === DuckDBTypeId.MAP ? ` WHEN cardinality(${column}) = 0 THEN '{}'` : '';
  return `CASE WHEN ${column} IS NULL THEN NULL${empty} ELSE to_json(${column})::VARCHAR END`;
}

async function readParquetActions(engine: Engine, store: ObjectStore, objects: readonly (string | KnownObject)[]): Promise<Action[]> {
  const locals = await immutableEngineLocations(engine, store, objects);
  const keys = objects.map((o) => (typeof o === 'string' ? o : o.path));
  const where = keys.join(', ');
  const source = `read_parquet(${quoteLiteralList(locals)}, union_by_name = true, filename = 'aq_file', file_row_number = true)`;
  try {
    const header = await engine.read(`SELECT * FROM ${source} LIMIT 0`);
    const columns = header.columnNames().filter((c) => c !== 'aq_file' && c !== 'file_row_number');
    const addType = header.columnTypes()[header.columnNames().indexOf('add')];
    const adds = addType?.typeId === DuckDBTypeId.STRUCT ? addFields(structEntries(addType as DuckDBStructType)) : [];
    // One pass over the file: adds packed into strings, every other action (few: protocol,
    // metadata, txns, domains, tombstones) as JSON lines.
    const others = columns.filter((c) => c !== 'add');
    const restJson = others.length === 0 ? 'NULL' : `to_json(struct_pack(${others.map((c) => `${quoteIdent(c)} := ${quoteIdent(c)}`).join(', ')}))::VARCHAR`;
    const packedAdds =
      adds.length === 0
        ? 'NULL'
        : `string_agg(concat(${adds.map((f) => `COALESCE(${f.sql}, chr(2))`).join(', chr(1), ')}), chr(0)) FILTER (WHERE add IS NOT NULL)`;
    // CASE, not FILTER: DuckDB renders the JSON of only the rows CASE picks.
    const rest = adds.length === 0 ? `string_agg(${restJson}, chr(10))` : `string_agg(CASE WHEN add IS NULL THEN ${restJson} END, chr(10))`;
    const chunks = await engine.query(`SELECT ${packedAdds} AS adds, ${rest} AS rest FROM ${source} GROUP BY aq_file, file_row_number // ${ADDS_PER_CHUNK}`);
    const actions: Action[] = [];
    for (const chunk of chunks) {
      if (typeof chunk['rest'] === 'string') actions.push(...parseActionLines(chunk['rest'], where));
      if (typeof chunk['adds'] === 'string') unpackAdds(chunk['adds'], adds, where, actions);
    }
    return actions;
  } catch (error) {
    if (error instanceof EngineQueryError) {
      // Looked up only now that the read failed: a missing part is the likelier story.
      for (const [index, key] of keys.entries()) {
        if ((await store.head(key)) === undefined) {
          throw new InvalidLogError(
            `The checkpoint file ${key} is missing`,
            locals[index] ?? key,
            'A checkpoint named by the log is gone; restore it or remove _last_checkpoint so readers replay the commits.',
            error,
          );
        }
      }
      throw new InvalidLogError(
        `Checkpoint ${where} cannot be read as Parquet: ${error.message}`,
        where,
        'The checkpoint is truncated or corrupt; delete it (and _last_checkpoint) so readers replay the JSON commits, if they are still present.',
        error,
      );
    }
    throw error;
  }
}

function structEntries(type: DuckDBStructType): Map<string, DuckDBTypeId> {
  return new Map(type.entryNames.map((name, i) => [name, type.entryTypes[i]?.typeId ?? DuckDBTypeId.INVALID]));
}

function addFields(present: ReadonlyMap<string, DuckDBTypeId>): { name: string; sql: string }[] {
  return ADD_FIELDS.map((f) => ({ name: f.name, sql: f.sql(present) })).filter((f): f is { name: string; sql: string } => f.sql !== undefined);
}

function unpackAdds(text: string, fields: readonly { name: string; sql: string }[], where: string, out: Action[]): void {
  for (const row of text.split(ROW)) {
    const values = row.split(FIELD);
    if (values.length !== fields.length) throw new InvalidLogError(`An add action in checkpoint ${where} has control characters where none may be`, where);
    const add: Record<string, unknown> = {};
    fields.forEach((field, i) => {
      const value = values[i] as string;
      if (value === NULL) return;
      if (JSON_FIELDS.has(field.name)) add[field.name] = value === '{}' ? {} : JSON.parse(value);
      else add[field.name] = field.name === 'dataChange' ? value === 'true' : value;
    });
    out.push({ kind: 'add', add: parseAdd(add, where) });
  }
}
