/**
 * One writer of the S3 concurrency proof (test/table/s3): `s3-append-writer.ts WRITER URI COMMITS`,
 * with the MinIO endpoint and credentials in the standard AWS environment. Appends COMMITS
 * numbered batches (10 rows each, ids `WRITER * 1e6 + batch * 100 + i`) to the table at URI,
 * each its own commit. A commit that gives up after too many lost races (COMMIT_CONFLICT) is
 * tried again from a fresh snapshot; any other error ends the writer non-zero. Prints one
 * JSON line per committed batch: its version and the COMMIT_CONFLICT errors it took to land
 * (races lost inside one commit show in the log: its commitInfo.readVersion is older).
 */
import { Engine } from '../../src/engine/index.js';
import { S3ObjectStore } from '../../src/storage/index.js';
import { CommitConflictError, DeltaTable } from '../../src/table/index.js';

const [writerText, uri, commitsText] = process.argv.slice(2) as [string, string, string];
const writer = Number(writerText);
const engine = await Engine.create({ threads: 1 });
const store = new S3ObjectStore(uri);
const table = await DeltaTable.open(store, { engine });
const base = writer * 1_000_000;
for (let batch = 0; batch < Number(commitsText); batch++) {
  let conflicts = 0;
  for (;;) {
    try {
      const result = await table.append({
        sql: `SELECT (${base + batch * 100} + i)::BIGINT AS id, ${writer} AS writer, ${batch} AS batch FROM range(0, 10) t(i)`,
      });
      process.stdout.write(`${JSON.stringify({ writer, batch, version: result.version, conflicts })}\n`);
      break;
    } catch (error) {
      if (!(error instanceof CommitConflictError)) throw error;
      conflicts++;
    }
  }
}
engine.close();
store.close();
