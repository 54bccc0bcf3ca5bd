import type { Engine } from '../../engine/index.js';
import type { ObjectStore } from '../../storage/index.js';
import type { AddCdcFile, AddFile, Protocol } from '../actions/index.js';
import { writeChangeData } from '../cdf/index.js';
import { checkWriteSupport, withReaderWriterFeature } from '../commit/index.js';
import { deletionVectorPath } from '../deletion-vectors/index.js';
import { WriteInvalidError } from '../errors.js';
import type { Snapshot } from '../snapshot/index.js';
import { discardWritten, type ChangeSet, type TableWriter } from '../write/index.js';
import { writeDeletionVectors } from './deletion-vector-writer.js';
import type { TouchedFile } from './matched-rows.js';
import { unionSorted } from './matched-rows.js';

/** What a delete, update or merge reports. */
export interface DmlResult {
  /** The version committed, or the current one when nothing changed (no commit). */
  version: number;
  /** Whether a commit was made. */
  committed: boolean;
  rowsDeleted: number;
  rowsUpdated: number;
  rowsInserted: number;
  filesAdded: number;
  filesRemoved: number;
  deletionVectorsAdded: number;
  /** Rows copied unchanged into rewritten files (copy-on-write only). */
  rowsCopied: number;
}

/** Everything a row-level change needs from the table. */
export interface DmlContext {
  engine: Engine;
  store: ObjectStore;
  writer: TableWriter;
  snapshot: Snapshot;
  location: string;
  /** Mark changed rows in deletion vectors (delta.enableDeletionVectors) instead of rewriting their files. */
  deletionVectors: boolean;
  /** The protocol to commit with: the table's, with the deletionVectors feature when it is enabled but not yet listed. */
  protocol: Protocol;
  /** Write change data files (delta.enableChangeDataFeed): a rewrite alone would read as deletes and inserts of every copied row. */
  changeDataFeed: boolean;
  /** Told the fraction done (0..1) while files are rewritten. */
  onProgress?: (fraction: number) => void;
}

export function dmlContext(
  engine: Engine,
  store: ObjectStore,
  writer: TableWriter,
  snapshot: Snapshot,
  location: string,
  operation: string,
  onProgress?: (fraction: number) => void,
): DmlContext {
  checkWriteSupport(snapshot.protocol, snapshot.metadata, location);
  if (snapshot.configuration['delta.appendOnly'] === 'true') {
    throw new WriteInvalidError(
      'TABLE_APPEND_ONLY',
      `${location} is append-only (delta.appendOnly=true); ${operation} would change existing rows`,
      location,
      'Append instead, or unset delta.appendOnly.',
    );
  }
  const deletionVectors = snapshot.configuration['delta.enableDeletionVectors'] === 'true';
  const protocol = deletionVectors ? withReaderWriterFeature(snapshot.protocol, 'deletionVectors') : snapshot.protocol;
  const changeDataFeed = snapshot.configuration['delta.enableChangeDataFeed'] === 'true';
  return { engine, store, writer, snapshot, location, deletionVectors, protocol, changeDataFeed, ...(onProgress === undefined ? {} : { onProgress }) };
}

/**
 * Remove touched rows with deletion vectors: each touched file is removed and added
 * back with a vector holding its old deleted rows and the touched ones (or just removed
 * when no live row is left). Statistics lose their tight bounds, as the protocol asks.
 */
export async function markDeleted(context: DmlContext, touched: readonly TouchedFile[]): Promise<{ removes: AddFile[]; adds: AddFile[]; files: string[] }> {
  const partial = touched.filter((t) => !t.whole);
  const descriptors = await writeDeletionVectors(
    context.store,
    partial.map((t) => unionSorted(t.deleted, t.rows)),
  );
  const adds = partial.map((t, i) => {
    const add: AddFile = { ...t.file, dataChange: true, deletionVector: descriptors[i] as NonNullable<AddFile['deletionVector']> };
    if (t.file.stats !== undefined) add.stats = looseBounds(t.file.stats);
    return add;
  });
  return {
    removes: touched.map((t) => t.file),
    adds,
    files: descriptors.length === 0 ? [] : [deletionVectorPath(descriptors[0] as NonNullable<AddFile['deletionVector']>)],
  };
}

function looseBounds(stats: string): string {
  try {
    return JSON.stringify({ ...(JSON.parse(stats) as Record<string, unknown>), tightBounds: false });
  } catch {
    // Unreadable statistics are carried as they were; readers ignore what they cannot parse.
    return stats;
  }
}

/**
 * Commit a row-level change; with the change data feed on, first write `changes` (a query
 * of the changed rows with `_change_type`) as change data files committed beside it.
 */
export async function commitDml(context: DmlContext, change: Omit<ChangeSet, 'protocol' | 'cdc'>, changes: () => Promise<string>): Promise<number> {
  let cdc: AddCdcFile[] = [];
  if (context.changeDataFeed) {
    try {
      cdc = await writeChangeData(context.engine, context.store, context.snapshot, await changes());
    } catch (error) {
      await discardWritten(context.store, change.written, change.deletionVectorFiles);
      throw error;
    }
  }
  return context.writer.commitChange(context.snapshot, { ...change, protocol: context.protocol, cdc });
}

export function noChange(snapshot: Snapshot): DmlResult {
  return {
    version: snapshot.version,
    committed: false,
    rowsDeleted: 0,
    rowsUpdated: 0,
    rowsInserted: 0,
    filesAdded: 0,
    filesRemoved: 0,
    deletionVectorsAdded: 0,
    rowsCopied: 0,
  };
}
