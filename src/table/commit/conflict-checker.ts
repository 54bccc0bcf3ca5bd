import type { Action, AddFile } from '../actions/index.js';
import { deletionVectorUniqueId } from '../actions/index.js';
import { CommitConflictError } from '../errors.js';
import { canonicalPath } from '../paths/index.js';

/** What a transaction read and changed, for checking it against commits that won the race. */
export interface TransactionFootprint {
  /** Only adds new files without reading the table. */
  isBlindAppend: boolean;
  /** Files whose content the transaction depends on (removed or rewritten by it). */
  readFiles: readonly AddFile[];
  /**
   * Whether a concurrent non-blind add could change what the transaction read:
   * undefined for none, or a test for a winning add (true: it falls in the read scope).
   */
  readsAdd?: (add: AddFile) => boolean;
  appIds: readonly string[];
  changesMetadata: boolean;
}

/**
 * Check one winning commit against this transaction under WriteSerializable isolation,
 * the reference implementation's default: blind appends never conflict; a change of
 * metadata or protocol, the same application transaction, removing a file this
 * transaction read or removed, or a non-blind add inside its read scope does.
 */
export function checkConflicts(
  tableUrl: string,
  footprint: TransactionFootprint,
  ourRemoves: readonly string[],
  winnerVersion: number,
  winner: readonly Action[],
): void {
  const conflict = (reason: string, message: string, appId?: string) => {
    throw new CommitConflictError(`Commit ${winnerVersion} by another writer conflicts with this one: ${message}`, {
      version: winnerVersion,
      reason,
      ...(appId === undefined ? {} : { appId }),
    });
  };
  const winnerInfo = winner.find((a) => a.kind === 'commitInfo');
  const winnerBlind = winnerInfo?.kind === 'commitInfo' && winnerInfo.commitInfo.isBlindAppend === true;
  for (const action of winner) {
    if (action.kind === 'protocol') conflict('PROTOCOL_CHANGED', 'it changed the protocol');
    if (action.kind === 'metaData') conflict('METADATA_CHANGED', 'it changed the table metadata (schema or properties) this write was checked against');
    if (action.kind === 'txn' && footprint.appIds.includes(action.txn.appId)) {
      conflict('CONCURRENT_TRANSACTION', `it committed a transaction of the same application '${action.txn.appId}'`, action.txn.appId);
    }
  }
  if (footprint.changesMetadata && winner.some((a) => a.kind === 'add' || a.kind === 'remove')) {
    conflict('CONCURRENT_WRITE_DURING_METADATA_CHANGE', 'it wrote data while this transaction changes the table metadata');
  }
  if (footprint.isBlindAppend) return;
  const read = new Set(footprint.readFiles.map((f) => fileKey(tableUrl, f)));
  const removed = new Set(ourRemoves);
  for (const action of winner) {
    if (action.kind === 'remove') {
      const k = fileKey(tableUrl, action.remove);
      if (removed.has(k)) conflict('CONCURRENT_DELETE_DELETE', `it also removed ${action.remove.path}`);
      if (read.has(k)) conflict('CONCURRENT_DELETE_READ', `it removed ${action.remove.path}, which this write read`);
    }
    if (action.kind === 'add' && action.add.dataChange && !winnerBlind && footprint.readsAdd?.(action.add) === true) {
      conflict('CONCURRENT_APPEND', `it added ${action.add.path} to data this write read`);
    }
  }
}

export function fileKey(tableUrl: string, file: { path: string; deletionVector?: AddFile['deletionVector'] }): string {
  return `${canonicalPath(tableUrl, file.path)}\u0000${file.deletionVector === undefined ? '' : deletionVectorUniqueId(file.deletionVector)}`;
}
