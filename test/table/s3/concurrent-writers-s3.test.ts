import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DeltaTable } from '../../../src/table/index.js';
import { appendTable, batchCounts, useMinioEngine } from '../../support/minio-table.js';
import { runJsonLines } from '../../support/processes.js';
import { minioAvailable } from '../../support/services.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WRITER = path.resolve(here, '..', '..', 'support', 's3-append-writer.ts');
const WRITERS = 16;
// 2,000 commits in all (about 3 minutes on 2 cores); AQUIFER_S3_PROOF_COMMITS lowers it on a busy machine.
const COMMITS = Number(process.env['AQUIFER_S3_PROOF_COMMITS'] ?? '2000');
const PER_WRITER = Math.ceil(COMMITS / WRITERS);

interface Reported {
  writer: number;
  batch: number;
  version: number;
  conflicts: number;
}

function runWriter(writer: number, uri: string, env: NodeJS.ProcessEnv): Promise<Reported[]> {
  return runJsonLines<Reported>(process.execPath, ['--import', 'tsx', WRITER, String(writer), uri, String(PER_WRITER)], env);
}

const minioReady = await minioAvailable();

describe.skipIf(!minioReady)('concurrent writer processes on one table in MinIO', () => {
  const s3 = useMinioEngine();

  it(`${WRITERS} processes appending ${PER_WRITER} numbered batches each: every batch lands exactly once in contiguous versions, losses are only retries or COMMIT_CONFLICT`, async () => {
    const { engine } = s3;
    const { store, uri, env } = await appendTable(s3.minio, engine, 'appends');
    const started = Date.now();
    const reports = (await Promise.all(Array.from({ length: WRITERS }, (_, w) => runWriter(w + 1, uri, env)))).flat();
    const total = WRITERS * PER_WRITER;
    const seconds = Math.round((Date.now() - started) / 1000);
    expect(reports).toHaveLength(total);

    // Each reported commit has its own version, and together they are exactly 1..N.
    const versions = reports.map((r) => r.version).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const table = await DeltaTable.open(store, { engine });
    const snapshot = await table.snapshot();
    expect(snapshot.version).toBe(total);

    // Every batch is in the table exactly once, with all its rows.
    const expected = Array.from({ length: WRITERS }, (_, w) => Array.from({ length: PER_WRITER }, (_, b) => [w + 1, b, 10])).flat();
    expect(await batchCounts(engine, store, snapshot)).toEqual(expected);

    // Races lost inside a commit show in the log: it was read at an older version.
    let retries = 0;
    for (let version = 1; version <= total; version++) {
      const info = (await table.commitActions(version)).find((a) => a.kind === 'commitInfo');
      if (info?.kind !== 'commitInfo') throw new Error(`version ${version} has no commitInfo`);
      expect(info.commitInfo.operation).toBe('WRITE');
      retries += version - 1 - (info.commitInfo.readVersion ?? version - 1);
    }
    const conflicts = reports.reduce((n, r) => n + r.conflicts, 0);
    console.info(
      `S3 proof: ${total} commits by ${WRITERS} writer processes on MinIO, ${retries} lost races retried at a later version, ${conflicts} COMMIT_CONFLICT, writers done in ${seconds} s`,
    );
    store.close();
  }, 1_800_000);
});
