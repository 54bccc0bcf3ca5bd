import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import type { S3ObjectStore } from '../../src/storage/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { deltaExtensionAvailable, duckdbExtensionDirectory } from '../support/duckdb-extensions.js';
import { deltaRsStorageOptions, minioStore } from '../support/minio-table.js';
import { assertRead, referencePython, referenceReadersAvailable, ReferenceReaders, type ReferenceReader } from '../support/reference-readers.js';
import { readableFields, rowDifference } from '../support/row-comparison.js';
import { minioAvailable, startMinio, type MinioService } from '../support/services.js';

const ready = (await minioAvailable()) && referenceReadersAvailable() && (await deltaExtensionAvailable());

describe.skipIf(!ready)('reference readers on a table Aquifer wrote in MinIO', () => {
  let minio: MinioService;
  let engine: Engine;
  let readers: ReferenceReaders;
  beforeAll(async () => {
    minio = await startMinio();
    engine = await Engine.create({ threads: 2, extensionDirectory: duckdbExtensionDirectory() });
    readers = new ReferenceReaders(referencePython() as string, await mkdtemp(path.join(os.tmpdir(), 'aquifer-s3-readers-')));
  }, 300_000);
  afterAll(async () => {
    engine?.close();
    await minio?.stop();
  }, 120_000);

  /** The rows of Aquifer's scan of the latest version, against those of `relation` (a Parquet file or a delta_scan). */
  async function expectSameRows(table: DeltaTable, relation: string): Promise<void> {
    const snapshot = await table.snapshot();
    const difference = await rowDifference(engine, readableFields(snapshot), await (await table.scan()).sql(), relation);
    expect(difference, relation).toBeUndefined();
  }

  async function expectReaders(table: DeltaTable, uri: string, names: readonly ReferenceReader[]): Promise<void> {
    const version = (await table.snapshot()).version;
    for (const reader of names) {
      const read = await readers.read(uri, reader, { storageOptions: deltaRsStorageOptions(minio) });
      assertRead(read);
      expect(read.version, reader).toBe(version);
      await expectSameRows(table, `read_parquet('${read.output}')`);
    }
    await expectSameRows(table, `delta_scan('${uri}')`);
  }

  it.each([
    ['copy on write', false],
    ['deletion vectors', true],
  ])(
    'delta-rs, Polars and DuckDB delta_scan read the same rows after appends, a checkpoint and a delete (%s; delta-rs pyarrow refuses the deletionVectors feature)',
    async (name, deletionVectors) => {
      const bucket = await minio.createBucket();
      const prefix = `tables/${name.replaceAll(' ', '-')}`;
      const store: S3ObjectStore = await minioStore(minio, bucket, prefix);
      const uri = `s3://${bucket}/${prefix}`;
      await engine.configureS3(`minio_${deletionVectors ? 'dv' : 'cow'}`, {
        scope: `s3://${bucket}`,
        endpoint: minio.endpoint,
        region: 'us-east-1',
        accessKeyId: minio.accessKeyId,
        secretAccessKey: minio.secretAccessKey,
      });
      await engine.ensureExtension('delta');
      const rows = (from: number, to: number) =>
        `SELECT i::BIGINT AS id, 'p' || (i % 3) AS part, i * 2 AS v, 'row ' || i AS label FROM range(${from}, ${to}) t(i)`;
      const { table } = await DeltaTable.create(store, {
        engine,
        data: { sql: rows(0, 3000) },
        partitionColumns: ['part'],
        properties: deletionVectors ? { 'delta.enableDeletionVectors': 'true' } : {},
      });
      for (let i = 1; i <= 3; i++) await table.append({ sql: rows(i * 3000, (i + 1) * 3000) });
      await table.checkpoint();
      await table.append({ sql: rows(12_000, 13_000) });
      const readerNames: ReferenceReader[] = deletionVectors ? ['deltalake-sql', 'polars'] : ['deltalake', 'deltalake-sql', 'polars'];
      await expectReaders(table, uri, readerNames);

      await table.delete('id % 7 = 0');
      expect((await table.snapshot()).files.some((f) => f.deletionVector !== undefined)).toBe(deletionVectors);
      await expectReaders(table, uri, readerNames);
      if (deletionVectors) {
        const refused = await readers.read(uri, 'deltalake', { storageOptions: deltaRsStorageOptions(minio) });
        expect(refused).toMatchObject({ ok: false, stage: 'read-rows' });
        expect(refused.error).toMatch(/deletionVectors/);
      }
      store.close();
    },
    600_000,
  );
});
