import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeltaTable } from '../../../src/table/index.js';
import { appendTable, batchCounts, deltaRsStorageOptions, useMinioEngine } from '../../support/minio-table.js';
import { runJsonLines } from '../../support/processes.js';
import { referencePython, referenceReadersAvailable } from '../../support/reference-readers.js';
import { minioAvailable } from '../../support/services.js';
import { REPO_ROOT } from '../../support/shared.js';

const AQUIFER_WRITER = path.join(REPO_ROOT, 'test', 'support', 's3-append-writer.ts');
const DELTA_RS_WRITER = path.join(REPO_ROOT, 'test', 'support', 'delta_rs_append_writer.py');
const WRITERS_EACH = 4;
const PER_WRITER = Number(process.env['AQUIFER_S3_PROOF_MIXED_PER_WRITER'] ?? '10');

interface Reported {
  writer: number;
  batch: number;
  conflicts: number;
  /** delta-rs: failures other than commit conflicts it retried; Aquifer: the retried errors by code. */
  errors?: string[] | Record<string, number>;
}

const ready = (await minioAvailable()) && referenceReadersAvailable();

describe.skipIf(!ready)('Aquifer and delta-rs writer processes on one table in MinIO', () => {
  const s3 = useMinioEngine();

  // delta-rs 1.x commits to S3 with put-if-absent by default (no locking provider); conditional_put=etag is the documented switch.
  it.each<[string, Record<string, string>]>([
    ['conditional_put=etag', { conditional_put: 'etag' }],
    ['default options', {}],
  ])(
    `${WRITERS_EACH} Aquifer and ${WRITERS_EACH} delta-rs processes (%s) appending ${PER_WRITER} batches each: every batch lands exactly once in contiguous versions`,
    async (name, extra) => {
      const { minio, engine } = s3;
      const { store, uri, env } = await appendTable(minio, engine, 'mixed');
      const storageOptions = { ...deltaRsStorageOptions(minio), ...extra };
      const python = referencePython() as string;
      // Aquifer writers are 1..N, delta-rs writers 101..; both kinds start together.
      const runs = [
        ...Array.from({ length: WRITERS_EACH }, (_, w) =>
          runJsonLines<Reported>(process.execPath, ['--import', 'tsx', AQUIFER_WRITER, String(w + 1), uri, String(PER_WRITER)], env),
        ),
        ...Array.from({ length: WRITERS_EACH }, (_, w) =>
          runJsonLines<Reported>(python, [DELTA_RS_WRITER, uri, String(w + 101), String(PER_WRITER)], { STORAGE_OPTIONS: JSON.stringify(storageOptions) }),
        ),
      ];
      const reports = (await Promise.all(runs)).flat();
      const total = 2 * WRITERS_EACH * PER_WRITER;
      expect(reports).toHaveLength(total);
      // delta-rs reports failures it retried other than commit conflicts; there must be none.
      expect(reports.flatMap((r) => (Array.isArray(r.errors) ? r.errors : []))).toEqual([]);

      const table = await DeltaTable.open(store, { engine });
      const snapshot = await table.snapshot();
      expect(snapshot.version).toBe(total);
      const writers = [...Array.from({ length: WRITERS_EACH }, (_, w) => w + 1), ...Array.from({ length: WRITERS_EACH }, (_, w) => w + 101)];
      const expected = writers.flatMap((writer) => Array.from({ length: PER_WRITER }, (_, b) => [writer, b, 10]));
      expect(await batchCounts(engine, store, snapshot)).toEqual(expected);

      // Which engine wrote each version, and how many races its commit lost first.
      const byEngine = new Map<string, { commits: number; retries: number }>();
      for (let version = 1; version <= total; version++) {
        const info = (await table.commitActions(version)).find((a) => a.kind === 'commitInfo');
        if (info?.kind !== 'commitInfo') throw new Error(`version ${version} has no commitInfo`);
        const engineInfo = String(info.commitInfo.engineInfo ?? info.commitInfo['clientVersion'] ?? 'unknown');
        const entry = byEngine.get(engineInfo) ?? { commits: 0, retries: 0 };
        entry.commits++;
        if (typeof info.commitInfo.readVersion === 'number') entry.retries += version - 1 - info.commitInfo.readVersion;
        byEngine.set(engineInfo, entry);
      }
      const conflicts = reports.reduce((n, r) => n + r.conflicts, 0);
      console.info(
        `S3 mixed proof (${name}): ${total} commits, ${JSON.stringify(Object.fromEntries(byEngine))}, ${conflicts} commit errors retried by the writers`,
      );
      store.close();
    },
    1_800_000,
  );
});
