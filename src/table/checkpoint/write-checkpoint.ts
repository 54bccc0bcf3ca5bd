import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { quoteIdent, quoteLiteral, type Engine } from '../../engine/index.js';
import { CHECKPOINT_SCHEMA, jsonColumns } from './checkpoint-schema.js';
import type { ObjectStore } from '../../storage/index.js';
import { actionToJson, type Action } from '../actions/index.js';
import { LAST_CHECKPOINT_PATH, LOG_DIR, lastCheckpointJson, padVersion, type LastCheckpoint } from '../log-segment/index.js';
import type { Snapshot } from '../snapshot/index.js';
import { isTxnExpired, txnExpiry } from '../snapshot/txn-retention.js';
import { DEFAULT_DELETED_FILE_RETENTION_MS, parseRetention } from './retention.js';

export function checkpointPath(version: number): string {
  return `${LOG_DIR}/${padVersion(version)}.checkpoint.parquet`;
}

/**
 * Write a classic single-file Parquet checkpoint of a snapshot and point
 * `_last_checkpoint` at it. The state goes to DuckDB as JSON lines streamed from the
 * snapshot (never one string of the whole table), is typed by the protocol's checkpoint
 * schema and copied to Parquet in a staging folder, then moved into the log in one step,
 * so a reader never sees a partial checkpoint. Tombstones younger than
 * `delta.deletedFileRetentionDuration` are kept, as vacuum needs them.
 */
export async function writeCheckpoint(
  store: ObjectStore,
  engine: Engine,
  snapshot: Snapshot,
  now = Date.now(),
  options: { tombstones?: boolean } = {},
): Promise<LastCheckpoint> {
  const retention = parseRetention(
    snapshot.configuration['delta.deletedFileRetentionDuration'],
    DEFAULT_DELETED_FILE_RETENTION_MS,
    'delta.deletedFileRetentionDuration',
  );
  const staging = await store.stagingDir();
  try {
    const jsonFile = path.join(staging, 'state.jsonl');
    const out = createWriteStream(jsonFile);
    let actions = 0;
    // Lines go out in chunks: one stream write per action costs more than the JSON itself.
    let chunk: string[] = [];
    const flush = async () => {
      if (chunk.length > 0 && !out.write(chunk.join('\n') + '\n')) await once(out, 'drain');
      chunk = [];
    };
    const write = async (action: Action) => {
      actions++;
      chunk.push(actionToJson(action));
      if (chunk.length >= 4096) await flush();
    };
    await write({ kind: 'protocol', protocol: snapshot.protocol });
    await write({ kind: 'metaData', metaData: snapshot.metadata });
    // Expired txns are left out (txn-retention.ts), as of the same `now` as the tombstones.
    const expiry = txnExpiry(snapshot.configuration, now);
    for (const txn of snapshot.logState.txns.values()) if (!isTxnExpired(txn, expiry)) await write({ kind: 'txn', txn });
    for (const domainMetadata of snapshot.domains.values()) await write({ kind: 'domainMetadata', domainMetadata });
    for (const add of snapshot.files) await write({ kind: 'add', add: { ...add, dataChange: false } });
    // Without tombstones (an erasure's purge): their files are gone, and their stats could name erased values.
    for (const remove of options.tombstones === false ? [] : snapshot.tombstones) {
      if ((remove.deletionTimestamp ?? 0) > now - retention) await write({ kind: 'remove', remove: { ...remove, dataChange: false } });
    }
    await flush();
    out.end();
    await once(out, 'finish');
    const parquetFile = path.join(staging, 'checkpoint.parquet');
    await engine.run(
      `COPY (SELECT ${Object.keys(CHECKPOINT_SCHEMA).map(quoteIdent).join(', ')} FROM read_json(${quoteLiteral(jsonFile)}, format = 'newline_delimited', columns = ${jsonColumns()}, maximum_object_size = 1073741824))
       TO ${quoteLiteral(parquetFile)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    return await publishCheckpoint(store, parquetFile, snapshot.version, actions, snapshot.files.length);
  } finally {
    await store.discardStaging(staging);
  }
}

/**
 * Move a checkpoint written in a staging folder into the log in one step, then point
 * `_last_checkpoint` at it (readers that find the hint stale list the log instead).
 */
export async function publishCheckpoint(store: ObjectStore, parquetFile: string, version: number, actions: number, adds: number): Promise<LastCheckpoint> {
  const { size } = await stat(parquetFile);
  await store.publishLocal(parquetFile, checkpointPath(version));
  const hint: LastCheckpoint = { version, size: actions, sizeInBytes: size, numOfAddFiles: adds };
  await store.put(LAST_CHECKPOINT_PATH, lastCheckpointJson(hint));
  return hint;
}
