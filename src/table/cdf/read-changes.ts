import { quoteIdent, quoteLiteral, type Engine } from '../../engine/index.js';
import { ObjectNotFoundError, type ObjectStore } from '../../storage/index.js';
import type { Action, AddFile, RemoveFile } from '../actions/index.js';
import { CommitMissingError, WriteInvalidError } from '../errors.js';
import { commitPath } from '../log-segment/index.js';
import { ROW_FILE_COLUMN, ROW_INDEX_COLUMN, Scan } from '../scan/index.js';
import { readDeletionVector } from '../deletion-vectors/index.js';
import { canonicalPath } from '../paths/index.js';
import { toDuckDBType, type StructField } from '../schema/index.js';
import { loadSnapshot, readJsonLogFile, type Snapshot } from '../snapshot/index.js';
import { CHANGE_TYPE_COLUMN, COMMIT_TIMESTAMP_COLUMN, COMMIT_VERSION_COLUMN, changeDataSchema } from './change-schema.js';

export interface ChangeReadOptions {
  /** First version whose changes are read. */
  from: number;
  /** Last version (the latest by default). */
  to?: number;
}

export interface ChangeRead {
  from: number;
  to: number;
  /** A DuckDB query of the changes: the table's columns, `_change_type`, `_commit_version`, `_commit_timestamp`, in version order. */
  sql: string;
  /** The query's columns with their Delta types. */
  fields: StructField[];
}

/**
 * The change data feed between two versions, as Delta defines it: a commit with change
 * data files (cdc actions) is read from them; any other commit from its data-changing
 * adds (inserts) and removes (deletes). Every version in the range must have the feed
 * enabled; the rows take the schema of the last version.
 */
export async function readChanges(engine: Engine, store: ObjectStore, location: string, options: ChangeReadOptions): Promise<ChangeRead> {
  const latest = await loadSnapshot(store, engine, location);
  const to = options.to ?? latest.version;
  if (!Number.isInteger(options.from) || options.from < 0 || !Number.isInteger(to) || to < options.from || to > latest.version) {
    throw new WriteInvalidError(
      'CDF_RANGE_INVALID',
      `Versions ${options.from} to ${to} are not a range of ${location}, which is at version ${latest.version}`,
      { from: options.from, to },
      `Give 0 <= from <= to <= ${latest.version}.`,
    );
  }
  const start = await loadSnapshot(store, engine, location, { version: options.from });
  const end = to === latest.version ? latest : await loadSnapshot(store, engine, location, { version: to });
  let enabled = start.configuration['delta.enableChangeDataFeed'] === 'true';
  const branches: string[] = [];
  for (let version = options.from; version <= to; version++) {
    const actions = await commitActions(store, location, version);
    for (const action of actions) if (action.kind === 'metaData') enabled = action.metaData.configuration['delta.enableChangeDataFeed'] === 'true';
    if (!enabled) {
      throw new WriteInvalidError(
        'CDF_NOT_ENABLED',
        `The change data feed of ${location} is not enabled at version ${version}`,
        version,
        'Read a range where delta.enableChangeDataFeed=true (set it when creating the table).',
      );
    }
    const stamp = `${quoteLiteral(new Date(await commitTimestamp(store, actions, version)).toISOString())}::TIMESTAMPTZ`;
    const tag = (sql: string, changeType?: string) =>
      `SELECT *${changeType === undefined ? '' : `, ${quoteLiteral(changeType)} AS ${CHANGE_TYPE_COLUMN}`}, ${version}::BIGINT AS ${COMMIT_VERSION_COLUMN}, ${stamp} AS ${COMMIT_TIMESTAMP_COLUMN} FROM (${sql})`;
    const cdc = actions.flatMap((a) => (a.kind === 'cdc' ? [a.cdc] : []));
    if (cdc.length > 0) {
      const files = cdc.map((c): AddFile => ({ path: c.path, partitionValues: c.partitionValues, size: c.size, modificationTime: 0, dataChange: false }));
      branches.push(tag(await new Scan(end, engine, { files, schema: changeDataSchema(end.schema) }).sql()));
      continue;
    }
    const adds = actions.flatMap((a) => (a.kind === 'add' && a.add.dataChange ? [a.add] : []));
    const removes = actions.flatMap((a) => (a.kind === 'remove' && a.remove.dataChange ? [asAdd(a.remove)] : []));
    // A file removed and added back in one commit with another deletion vector (a delete
    // with deletion vectors writes no change data files) changed only by the rows whose
    // marks differ: newly marked rows were deleted, unmarked ones restored.
    const removedByPath = new Map(removes.map((r) => [canonicalPath(store.url, r.path), r]));
    const paired = new Set<string>();
    for (const add of adds) {
      const key = canonicalPath(store.url, add.path);
      const removed = removedByPath.get(key);
      if (removed === undefined) continue;
      paired.add(key);
      const before = removed.deletionVector === undefined ? [] : await readDeletionVector(store, removed.deletionVector, `${location} (${removed.path})`);
      const after = add.deletionVector === undefined ? [] : await readDeletionVector(store, add.deletionVector, `${location} (${add.path})`);
      const { deletionVector: _dv, ...bare } = add;
      const rowsOf = async (indexes: readonly number[]) =>
        `SELECT * EXCLUDE (${ROW_FILE_COLUMN}, ${ROW_INDEX_COLUMN}) FROM (${await new Scan(end, engine, { files: [bare], rowIds: true }).sql()}) WHERE ${ROW_INDEX_COLUMN} IN (SELECT CAST(unnest(string_split(${quoteLiteral(indexes.join(','))}, ',')) AS BIGINT))`;
      const deleted = difference(after, before);
      const restored = difference(before, after);
      if (deleted.length > 0) branches.push(tag(await rowsOf(deleted), 'delete'));
      if (restored.length > 0) branches.push(tag(await rowsOf(restored), 'insert'));
    }
    const inserted = adds.filter((a) => !paired.has(canonicalPath(store.url, a.path)));
    const deleted = removes.filter((r) => !paired.has(canonicalPath(store.url, r.path)));
    if (inserted.length > 0) branches.push(tag(await new Scan(end, engine, { files: inserted }).sql(), 'insert'));
    if (deleted.length > 0) branches.push(tag(await new Scan(end, engine, { files: deleted }).sql(), 'delete'));
  }
  const columns = [...end.schema.fields.map((f) => quoteIdent(f.name)), CHANGE_TYPE_COLUMN, COMMIT_VERSION_COLUMN, COMMIT_TIMESTAMP_COLUMN].join(', ');
  const sql =
    branches.length === 0
      ? empty(end)
      : `SELECT ${columns} FROM (${branches.map((b) => `(${b})`).join(' UNION ALL BY NAME ')}) ORDER BY ${COMMIT_VERSION_COLUMN}`;
  const fields: StructField[] = [
    ...changeDataSchema(end.schema).fields,
    { name: COMMIT_VERSION_COLUMN, type: { kind: 'primitive', name: 'long' }, nullable: false, metadata: {} },
    { name: COMMIT_TIMESTAMP_COLUMN, type: { kind: 'primitive', name: 'timestamp' }, nullable: false, metadata: {} },
  ];
  return { from: options.from, to, sql, fields };
}

async function commitActions(store: ObjectStore, location: string, version: number): Promise<Action[]> {
  try {
    return await readJsonLogFile(store, commitPath(version));
  } catch (error) {
    if (error instanceof ObjectNotFoundError) throw new CommitMissingError(location, version);
    throw error;
  }
}

/** The commit's time as Delta readers give it: its in-commit timestamp where enabled, else the commit file's modification time. */
async function commitTimestamp(store: ObjectStore, actions: readonly Action[], version: number): Promise<number> {
  const info = actions.find((a) => a.kind === 'commitInfo');
  if (info?.kind === 'commitInfo' && typeof info.commitInfo.inCommitTimestamp === 'number') return info.commitInfo.inCommitTimestamp;
  return (await store.head(commitPath(version)))?.lastModified.getTime() ?? 0;
}

/** The ascending indexes in `a` and not in `b` (both ascending). */
function difference(a: readonly number[], b: readonly number[]): number[] {
  const exclude = new Set(b);
  return a.filter((x) => !exclude.has(x));
}

function asAdd(remove: RemoveFile): AddFile {
  const add: AddFile = { path: remove.path, partitionValues: remove.partitionValues ?? {}, size: remove.size ?? 0, modificationTime: 0, dataChange: true };
  if (remove.deletionVector !== undefined) add.deletionVector = remove.deletionVector;
  if (remove.stats !== undefined) add.stats = remove.stats;
  return add;
}

function empty(snapshot: Snapshot): string {
  const columns = snapshot.schema.fields.map((f) => `CAST(NULL AS ${toDuckDBType(f.type)}) AS ${quoteIdent(f.name)}`);
  return `SELECT ${columns.join(', ')}, NULL::VARCHAR AS ${CHANGE_TYPE_COLUMN}, NULL::BIGINT AS ${COMMIT_VERSION_COLUMN}, NULL::TIMESTAMPTZ AS ${COMMIT_TIMESTAMP_COLUMN} LIMIT 0`;
}
