import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { S3ObjectStore } from '../../src/storage/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { startMinio, type MinioService } from './services.js';

/**
 * What the interop tests with another engine on MinIO (Spark through s3a, Trino's Delta Lake
 * connector) share: one MinIO, bucket, engine and scratch folder per describe block, a new
 * table prefix per test, and the tables Aquifer writes for the other engine to read.
 */
export interface S3Interop {
  readonly minio: MinioService;
  readonly bucket: string;
  readonly engine: Engine;
  /** A local folder for the other engine's output and the stores' read caches. */
  readonly scratch: string;
  /** A new table prefix in the bucket, with Aquifer's store on it (closed after the block). */
  location(name: string): { store: S3ObjectStore; prefix: string };
}

/**
 * Start MinIO, a bucket and an engine before the block's tests and stop them after. Call it
 * first in the describe block: its afterAll then runs last (vitest runs after-hooks as a
 * stack), once the block's own services that use MinIO have stopped.
 */
export function useS3Interop(scratchPrefix: string): S3Interop {
  let minio: MinioService | undefined;
  let bucket: string | undefined;
  let engine: Engine | undefined;
  let scratch: string | undefined;
  const stores: S3ObjectStore[] = [];
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is used before beforeAll started it`);
    return value;
  };

  beforeAll(async () => {
    minio = await startMinio();
    bucket = await minio.createBucket();
    engine = await Engine.create();
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), scratchPrefix));
  }, 300_000);

  afterAll(async () => {
    for (const store of stores) store.close();
    engine?.close();
    await minio?.stop();
    if (scratch !== undefined) await fs.rm(scratch, { recursive: true, force: true });
  }, 120_000);

  return {
    get minio() {
      return need(minio, 'MinIO');
    },
    get bucket() {
      return need(bucket, 'the bucket');
    },
    get engine() {
      return need(engine, 'the engine');
    },
    get scratch() {
      return need(scratch, 'the scratch folder');
    },
    location(name: string) {
      const server = need(minio, 'MinIO');
      const prefix = `${name}-${randomUUID()}`;
      const store = new S3ObjectStore(`s3://${need(bucket, 'the bucket')}/${prefix}`, {
        endpoint: server.endpoint,
        credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
        cache: { dir: path.join(need(scratch, 'the scratch folder'), `cache-${prefix}`) },
      });
      stores.push(store);
      return { store, prefix };
    },
  };
}

/** Rows `from` until `to`: id, a partition value `p0`..`p2` and an int. */
export const interopRows = (from: number, to: number): string =>
  `SELECT i::BIGINT AS id, 'p' || (i % 3) AS part, (i * 2)::INTEGER AS v FROM range(${from}, ${to}) t(i)`;

/**
 * A partitioned table with deletion vectors and a checkpoint every 3 commits: create, append,
 * delete, update, then a merge that deletes, updates and inserts (versions 0 to 4).
 */
export async function writeDeletionVectorTable(store: S3ObjectStore, engine: Engine): Promise<DeltaTable> {
  const { table } = await DeltaTable.create(store, {
    engine,
    data: { sql: interopRows(0, 3000) },
    partitionColumns: ['part'],
    properties: { 'delta.enableDeletionVectors': 'true', 'delta.checkpointInterval': '3' },
  });
  await table.append({ sql: interopRows(3000, 4000) });
  await table.delete('id % 7 = 0');
  await table.update({ set: { v: '-v' }, where: "part = 'p1' AND id < 1000" });
  await table.merge({
    source: { sql: `SELECT id, part, v + 1 AS v, id % 5 = 0 AS gone FROM (${interopRows(3900, 4700)})` },
    on: 'target.id = source.id',
    whenMatched: [{ condition: 'source.gone', delete: true }, { update: { v: 'source.v' } }],
    whenNotMatched: [{ insert: { id: 'source.id', part: 'source.part', v: 'source.v' } }],
  });
  return table;
}

/**
 * A partitioned table with column mapping by name: create, rename `v` to `value`, append with
 * a new column, drop it, rename the partition column `part` to `region` (versions 0 to 4).
 */
export async function writeColumnMappedTable(store: S3ObjectStore, engine: Engine): Promise<DeltaTable> {
  const { table } = await DeltaTable.create(store, {
    engine,
    data: { sql: interopRows(0, 2000) },
    partitionColumns: ['part'],
    properties: { 'delta.columnMapping.mode': 'name' },
  });
  await table.renameColumn('v', 'value');
  await table.append({ sql: `SELECT id, part, (-id)::INTEGER AS value, 'x' AS extra FROM (${interopRows(2000, 2500)})` }, { mergeSchema: true });
  await table.dropColumns(['extra']);
  await table.renameColumn('part', 'region');
  return table;
}
