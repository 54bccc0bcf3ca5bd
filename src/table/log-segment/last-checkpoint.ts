import { log } from '../../log.js';
import { ObjectNotFoundError, type ObjectStore } from '../../storage/index.js';
import { LOG_DIR } from './log-file.js';

export const LAST_CHECKPOINT_PATH = `${LOG_DIR}/_last_checkpoint`;

/** The `_last_checkpoint` hint: where the newest checkpoint is, so a reader need not list the whole log. */
export interface LastCheckpoint {
  version: number;
  size: number;
  parts?: number;
  sizeInBytes?: number;
  numOfAddFiles?: number;
  v2Checkpoint?: { path: string };
}

/**
 * Read the hint. It is only a hint: a missing, empty or corrupt file gives undefined
 * and the reader falls back to listing the log, as the protocol allows.
 */
export async function readLastCheckpoint(store: ObjectStore): Promise<LastCheckpoint | undefined> {
  let text: string;
  try {
    text = new TextDecoder().decode(await store.get(LAST_CHECKPOINT_PATH));
  } catch (error) {
    // No hint (a table without checkpoints): the listing decides.
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const version = json['version'];
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
      log.warn({ store: store.url }, '_last_checkpoint has no valid version; listing the log instead');
      return undefined;
    }
    const hint: LastCheckpoint = { version, size: typeof json['size'] === 'number' ? json['size'] : 0 };
    if (typeof json['parts'] === 'number') hint.parts = json['parts'];
    if (typeof json['sizeInBytes'] === 'number') hint.sizeInBytes = json['sizeInBytes'];
    if (typeof json['numOfAddFiles'] === 'number') hint.numOfAddFiles = json['numOfAddFiles'];
    return hint;
  } catch (error) {
    log.warn({ store: store.url, err: error }, '_last_checkpoint is not valid JSON; listing the log instead');
    return undefined;
  }
}

export function lastCheckpointJson(hint: LastCheckpoint): string {
  return JSON.stringify(hint);
}
