import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { S3ObjectStore } from '../../src/storage/index.js';
import { DeltaTable, type Snapshot } from '../../src/table/index.js';
import { startMinio, type MinioService } from './services.js';

/**
 * Tables on MinIO for the S3 proof tests: a store on a fresh prefix with its own read cache,
 * and the environment that hands the same endpoint and credentials to child processes
 * (Aquifer writers through the standard AWS variables, delta-rs and Polars through theirs).
 */

export function awsEnvironment(minio: MinioService): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL_S3: minio.endpoint,
    AWS_ENDPOINT_URL: minio.endpoint,
    AWS_ACCESS_KEY_ID: minio.accessKeyId,
    AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_ALLOW_HTTP: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** delta-rs / Polars storage_options for MinIO (path-style, plain HTTP). */
export function deltaRsStorageOptions(minio: MinioService): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: minio.endpoint,
    AWS_ACCESS_KEY_ID: minio.accessKeyId,
    AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_ALLOW_HTTP: 'true',
    aws_virtual_hosted_style_request: 'false',
  };
}

export async function minioStore(minio: MinioService, bucket: string, prefix = `t-${randomUUID()}`): Promise<S3ObjectStore> {
  return new S3ObjectStore(`s3://${bucket}/${prefix}`, {
    endpoint: minio.endpoint,
    credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
    cache: { dir: await mkdtemp(path.join(os.tmpdir(), 'aquifer-s3-cache-')) },
  });
}

/** MinIO and an engine (two threads) for one describe block: started before its tests, stopped after. */
export function useMinioEngine(): { readonly minio: MinioService; readonly engine: Engine } {
  let minio: MinioService | undefined;
  let engine: Engine | undefined;
  beforeAll(async () => {
    minio = await startMinio();
    engine = await Engine.create({ threads: 2 });
  }, 300_000);
  afterAll(async () => {
    engine?.close();
    await minio?.stop();
  }, 120_000);
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is used before beforeAll started it`);
    return value;
  };
  return {
    get minio() {
      return need(minio, 'MinIO');
    },
    get engine() {
      return need(engine, 'the engine');
    },
  };
}

/**
 * A table at `s3://<new bucket>/<name>` for writer processes that append numbered batches
 * (test/support/s3-append-writer.ts): one seed row in batch -1, which `batchCounts` leaves out.
 * `env` hands the writers MinIO through the standard AWS variables.
 */
export async function appendTable(minio: MinioService, engine: Engine, name: string): Promise<{ store: S3ObjectStore; uri: string; env: NodeJS.ProcessEnv }> {
  const bucket = await minio.createBucket();
  const store = await minioStore(minio, bucket, name);
  await DeltaTable.create(store, { engine, data: { sql: 'SELECT 0::BIGINT AS id, 0 AS writer, -1 AS batch' } });
  return { store, uri: `s3://${bucket}/${name}`, env: awsEnvironment(minio) };
}

/**
 * Rows per (writer, batch) in the snapshot's live files, read by DuckDB from the read cache.
 * The files are fetched a few at a time: a scan fetches every file at once, and with
 * thousands of files the queued requests outlast the SDK's connection timeout (docs/storage.md).
 */
export async function batchCounts(engine: Engine, store: S3ObjectStore, snapshot: Snapshot): Promise<[number, number, number][]> {
  const locals: string[] = [];
  const files = [...snapshot.files];
  for (let i = 0; i < files.length; i += 16) {
    locals.push(...(await Promise.all(files.slice(i, i + 16).map((file) => store.localPath(decodeURIComponent(file.path))))));
  }
  const list = locals.map((l) => `'${l.replaceAll("'", "''")}'`).join(', ');
  const rows = await engine.query(
    `SELECT writer, batch, count(*)::INTEGER AS n FROM read_parquet([${list}]) WHERE batch >= 0 GROUP BY ALL ORDER BY writer, batch`,
  );
  return rows.map((r) => [Number(r['writer']), Number(r['batch']), Number(r['n'])]);
}
