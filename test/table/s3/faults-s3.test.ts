import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import type { S3ObjectStore } from '../../../src/storage/index.js';
import { DeltaTable, type Snapshot } from '../../../src/table/index.js';
import { appendTable, batchCounts, useMinioEngine } from '../../support/minio-table.js';
import { runJsonLines, sleep } from '../../support/processes.js';
import { seededRandom } from '../../support/random.js';
import { minioAvailable } from '../../support/services.js';
import { REPO_ROOT } from '../../support/shared.js';

const WRITER = path.join(REPO_ROOT, 'test', 'support', 's3-append-writer.ts');
/** Rounds of 4 writers, each SIGKILLed at a random moment after its first commit. */
const KILL_ROUNDS = Number(process.env['AQUIFER_S3_KILL_ROUNDS'] ?? '5');

/** Start a writer, let it commit once, then SIGKILL it `ms` later: inside an upload, between upload and commit, or inside the commit put. */
async function killWriterAfter(writer: number, uri: string, env: NodeJS.ProcessEnv, ms: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, String(writer), uri, '100000'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', () => resolve());
    void exited.then((code) => reject(new Error(`writer ${writer} exited (${code}) before its first commit:\n${stderr}`)));
  });
  await sleep(ms);
  child.kill('SIGKILL');
  const code = await exited;
  if (code !== null) throw new Error(`writer ${writer} stopped by itself with ${code}:\n${stderr}`);
}

/** Every batch in the table holds all its 10 rows, each writer's batches are 0..k, and there is one commit per batch. */
async function expectWholeCommits(engine: Engine, store: S3ObjectStore, snapshot: Snapshot): Promise<Map<number, number>> {
  const counts = await batchCounts(engine, store, snapshot);
  expect(counts.filter(([, , n]) => n !== 10)).toEqual([]);
  const perWriter = new Map<number, number>();
  for (const [writer, batch] of counts) {
    expect(batch, `writer ${writer}`).toBe(perWriter.get(writer) ?? 0);
    perWriter.set(writer, batch + 1);
  }
  expect(snapshot.version).toBe(counts.length);
  return perWriter;
}

/** Data files in the table folder that no commit names. */
async function orphans(table: DeltaTable, store: S3ObjectStore): Promise<string[]> {
  const snapshot = await table.snapshot();
  const named = new Set<string>();
  for (let version = 0; version <= snapshot.version; version++) {
    for (const action of await table.commitActions(version)) if (action.kind === 'add') named.add(decodeURIComponent(action.add.path));
  }
  const listed = await store.list('', { recursive: true });
  return listed
    .map((o) => o.path)
    .filter((key) => !key.startsWith('_delta_log/') && !named.has(key))
    .sort();
}

const minioReady = await minioAvailable();

describe.skipIf(!minioReady)('faults on a table in MinIO', () => {
  const s3 = useMinioEngine();

  it(`writers SIGKILLed at random points (${KILL_ROUNDS} rounds of 4) leave whole commits only, and vacuum removes exactly the files they orphaned`, async () => {
    const { engine } = s3;
    const { store, uri, env } = await appendTable(s3.minio, engine, 'killed');
    const random = seededRandom(14);
    for (let round = 0; round < KILL_ROUNDS; round++) {
      await Promise.all(Array.from({ length: 4 }, (_, w) => killWriterAfter(round * 10 + w + 1, uri, env, Math.floor(random() * 1500))));
    }
    const table = await DeltaTable.open(store, { engine });
    const snapshot = await table.snapshot();
    const perWriter = await expectWholeCommits(engine, store, snapshot);
    expect(perWriter.size).toBe(KILL_ROUNDS * 4);

    const orphaned = await orphans(table, store);
    const planned = await table.vacuum({ retentionHours: 0, force: true, dryRun: true });
    expect([...planned.files].sort()).toEqual(orphaned);
    await table.vacuum({ retentionHours: 0, force: true });
    expect(await orphans(table, store)).toEqual([]);
    const after = await DeltaTable.open(store, { engine });
    expect(await expectWholeCommits(engine, store, await after.snapshot())).toEqual(perWriter);
    console.info(`S3 kills: ${KILL_ROUNDS * 4} writers killed, ${snapshot.version} whole commits, ${orphaned.length} orphaned files, all removed by vacuum`);
    store.close();
  }, 1_200_000);

  it('a MinIO restart in the middle of writes gives STORAGE_UNREACHABLE or retries, never a half or doubled commit', async () => {
    const { minio, engine } = s3;
    const { store, uri, env } = await appendTable(minio, engine, 'restarted');
    interface Reported {
      writer: number;
      batch: number;
      skipped: boolean;
      errors: Record<string, number>;
    }
    const perWriter = 15;
    const runs = Array.from({ length: 4 }, (_, w) =>
      runJsonLines<Reported>(process.execPath, ['--import', 'tsx', WRITER, String(w + 1), uri, String(perWriter), 'idempotent'], env),
    );
    // Restart twice once the writers are committing.
    const probe = await DeltaTable.open(store, { engine });
    for (let restart = 0; restart < 2; restart++) {
      const from = (await probe.snapshot()).version;
      while ((await probe.snapshot()).version < from + 4) await sleep(200);
      await minio.restart();
    }
    const reports = (await Promise.all(runs)).flat();
    expect(reports).toHaveLength(4 * perWriter);
    const errors: Record<string, number> = {};
    for (const r of reports) for (const [code, n] of Object.entries(r.errors)) errors[code] = (errors[code] ?? 0) + n;
    expect(Object.keys(errors).filter((code) => code !== 'STORAGE_UNREACHABLE' && code !== 'COMMIT_CONFLICT')).toEqual([]);

    const table = await DeltaTable.open(store, { engine });
    const snapshot = await table.snapshot();
    const landed = await expectWholeCommits(engine, store, snapshot);
    expect([...landed.values()]).toEqual([perWriter, perWriter, perWriter, perWriter]);
    const skipped = reports.filter((r) => r.skipped).length;
    console.info(`S3 restart: ${snapshot.version} commits, errors retried ${JSON.stringify(errors)}, ${skipped} retries found their batch already committed`);
    store.close();
  }, 1_200_000);
});
