/**
 * One writer of the S3 proof tests (test/table/s3): `s3-append-writer.ts WRITER URI COMMITS
 * [idempotent]`, with the MinIO endpoint and credentials in the standard AWS environment.
 * Appends COMMITS numbered batches (10 rows each, ids `WRITER * 1e6 + batch * 100 + i`) to
 * the table at URI, each its own commit. A commit that gives up after too many lost races
 * (COMMIT_CONFLICT) is tried again from a fresh snapshot; any other error ends the writer.
 *
 * With `idempotent`, each batch is committed with the application transaction
 * (`writer-WRITER`, batch), and a batch that failed with STORAGE_UNREACHABLE (the server
 * went away; the commit may or may not have landed) is tried again: the transaction makes
 * the retry a no-op when the first attempt did land.
 *
 * Prints one JSON line per committed batch: its version, whether it was skipped as already
 * committed, and the errors it took to land, by code (races lost inside one commit show in
 * the log instead: that commit's commitInfo.readVersion is older).
 */
import { AquiferError } from '../../src/errors.js';
import { Engine } from '../../src/engine/index.js';
import { S3ObjectStore } from '../../src/storage/index.js';
import { CommitConflictError, DeltaTable } from '../../src/table/index.js';

const [writerText, uri, commitsText, mode] = process.argv.slice(2) as [string, string, string, string | undefined];
const writer = Number(writerText);
const idempotent = mode === 'idempotent';
const engine = await Engine.create({ threads: 1 });
const store = new S3ObjectStore(uri);
const table = await DeltaTable.open(store, { engine });
const base = writer * 1_000_000;
for (let batch = 0; batch < Number(commitsText); batch++) {
  const errors: Record<string, number> = {};
  for (;;) {
    try {
      const result = await table.append(
        { sql: `SELECT (${base + batch * 100} + i)::BIGINT AS id, ${writer} AS writer, ${batch} AS batch FROM range(0, 10) t(i)` },
        idempotent ? { txn: { appId: `writer-${writer}`, version: batch } } : {},
      );
      process.stdout.write(
        `${JSON.stringify({ writer, batch, version: result.version, skipped: result.skipped, conflicts: errors['COMMIT_CONFLICT'] ?? 0, errors })}\n`,
      );
      break;
    } catch (error) {
      const retry = error instanceof CommitConflictError || (idempotent && error instanceof AquiferError && error.code === 'STORAGE_UNREACHABLE');
      if (!retry) throw error;
      errors[error.code] = (errors[error.code] ?? 0) + 1;
    }
  }
}
engine.close();
store.close();
