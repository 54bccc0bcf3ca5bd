import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { GcsObjectStore } from '../../src/storage/index.js';
import { DeltaTable, type OpenOptions } from '../../src/table/index.js';
import { gcsAvailable, startGcs, type GcsService } from '../support/services.js';

const gcsReady = await gcsAvailable();

let gcs: GcsService | undefined;
let bucket = '';
let engine: Engine;

beforeAll(async () => {
  engine = await Engine.create();
  if (!gcsReady) return;
  gcs = await startGcs();
  bucket = await gcs.createBucket();
}, 300_000);

afterAll(async () => {
  await gcs?.stop();
}, 120_000);

function gcsOptions(): OpenOptions {
  if (gcs === undefined) throw new Error('fake-gcs-server did not start');
  return { engine, gcs: { endpoint: gcs.endpoint, cache: { dir: path.join(os.tmpdir(), `aquifer-gcs-cache-${randomUUID()}`) } } };
}

const gcsLocation = (): string => `gs://${bucket}/tables/${randomUUID()}`;
const localLocation = async (): Promise<string> => path.join(await mkdtemp(path.join(os.tmpdir(), 'aquifer-gcs-local-')), 't');

const rows = (from: number, to: number): { sql: string } => ({
  sql: `SELECT i AS id, CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END AS region, i * 10 AS amount FROM range(${from}, ${to}) t(i)`,
});

async function read(table: DeltaTable, options: Parameters<DeltaTable['scan']>[0] = {}): Promise<unknown[]> {
  const sql = await (await table.scan(options)).sql();
  return engine.query(`SELECT * FROM (${sql}) ORDER BY ALL`);
}

/** Create, append, read, time travel, delete with deletion vectors, checkpoint and reload, vacuum: what each read saw. */
async function lifeOfATable(location: string, options: OpenOptions): Promise<Record<string, unknown>> {
  const seen: Record<string, unknown> = {};
  const { table } = await DeltaTable.create(location, {
    ...options,
    data: rows(0, 20),
    partitionColumns: ['region'],
    properties: { 'delta.enableDeletionVectors': 'true' },
  });
  await table.append(rows(20, 40));
  seen['appended'] = await read(table);
  seen['time travel v0'] = await read(table, { version: 0 });
  const deleted = await table.delete('id % 3 = 0');
  seen['deleted'] = await read(table);
  seen['delete used deletion vectors'] = deleted.deletionVectorsAdded > 0;
  await table.checkpoint();
  const reopened = await DeltaTable.open(location, options);
  seen['reloaded after checkpoint'] = await read(reopened);
  seen['reloaded version'] = (await reopened.snapshot()).version;
  await table.overwrite(rows(0, 5));
  const vacuumed = await table.vacuum({ retentionHours: 0, force: true });
  seen['vacuumed files'] = vacuumed.files.length;
  seen['after vacuum'] = await read(table);
  seen['history'] = (await table.history()).map((h) => h.operation);
  return seen;
}

describe.skipIf(!gcsReady)('Delta tables on GCS (fake-gcs-server)', () => {
  it('create, append, read, time travel, delete with deletion vectors, checkpoint and vacuum give the same rows as a local table', async () => {
    const location = gcsLocation();
    const onGcs = await lifeOfATable(location, gcsOptions());
    const onDisk = await lifeOfATable(await localLocation(), { engine });
    expect(onGcs).toEqual(onDisk);
    expect(onGcs['appended']).toHaveLength(40);
    expect(onGcs['delete used deletion vectors']).toBe(true);
    expect(onGcs['vacuumed files']).toBeGreaterThan(0);
    const log = await (await DeltaTable.open(location, gcsOptions())).store.list('_delta_log');
    expect(log.map((m) => m.path)).toContain('_delta_log/00000000000000000002.checkpoint.parquet');
  }, 300_000);

  it('lands every append of writers racing on one table exactly once, in contiguous versions', async () => {
    const location = gcsLocation();
    await DeltaTable.create(location, { ...gcsOptions(), data: { sql: 'SELECT -1 AS writer, -1 AS batch' } });
    const writers = 4;
    const batches = 3;
    // Each writer its own store (own clients and cache), as separate processes would have.
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const table = await DeltaTable.open(location, gcsOptions());
        for (let b = 0; b < batches; b++) await table.append({ sql: `SELECT ${w} AS writer, ${b} AS batch` });
      }),
    );
    const table = await DeltaTable.open(location, gcsOptions());
    expect(table.store).toBeInstanceOf(GcsObjectStore);
    expect((await table.snapshot()).version).toBe(writers * batches);
    const commits = (await table.store.list('_delta_log')).filter((m) => m.path.endsWith('.json')).map((m) => m.path);
    expect(commits).toEqual(Array.from({ length: writers * batches + 1 }, (_, v) => `_delta_log/${String(v).padStart(20, '0')}.json`));
    const landed = await read(table);
    expect(landed).toHaveLength(writers * batches + 1);
    expect(new Set(landed.map((r) => JSON.stringify(r))).size).toBe(writers * batches + 1);
  }, 300_000);
});
