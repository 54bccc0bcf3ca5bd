import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, quoteLiteral } from '../../src/engine/index.js';
import { S3ObjectStore } from '../../src/storage/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { readableFields, rowDifference } from '../support/row-comparison.js';
import { minioAvailable, startMinio, type MinioService } from '../support/services.js';
import { SparkSession, sparkAvailable, sparkS3aJars } from '../support/spark.js';
import { available } from '../support/shared.js';

/**
 * Spark 4.0 with Delta 4.0, reading and writing through s3a, on the same MinIO bucket as
 * Aquifer: Spark reads what Aquifer writes there (deletion vectors, a checkpoint, column
 * mapping) and Aquifer reads what Spark writes there (INSERT with its checkpoint, DELETE
 * with deletion vectors, UPDATE, MERGE), rows compared exactly in DuckDB.
 */
const ready = (await minioAvailable()) && sparkAvailable() && available('hadoop-aws for s3a (bash scripts/spark.sh install)', sparkS3aJars() !== undefined);

describe.runIf(ready)('Spark (Delta 4.0, s3a) and Aquifer on the same MinIO bucket', () => {
  let minio: MinioService;
  let bucket: string;
  let engine: Engine;
  let spark: SparkSession;
  let scratch: string;
  const stores: S3ObjectStore[] = [];

  beforeAll(async () => {
    minio = await startMinio();
    bucket = await minio.createBucket();
    engine = await Engine.create();
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'aquifer-spark-s3-'));
    spark = await SparkSession.start(minio);
  }, 600_000);

  afterAll(async () => {
    await spark?.stop();
    for (const store of stores) store.close();
    engine?.close();
    await minio?.stop();
    if (scratch !== undefined) await fs.rm(scratch, { recursive: true, force: true });
  }, 120_000);

  /** A new table prefix: Aquifer's store on it and Spark's s3a URI for it. */
  function location(name: string): { store: S3ObjectStore; uri: string } {
    const prefix = `${name}-${randomUUID()}`;
    const store = new S3ObjectStore(`s3://${bucket}/${prefix}`, {
      endpoint: minio.endpoint,
      credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
      cache: { dir: path.join(scratch, `cache-${prefix}`) },
    });
    stores.push(store);
    return { store, uri: `s3a://${bucket}/${prefix}` };
  }

  /** Aquifer's read and Spark's read (through s3a) of a version must be the same multiset of rows. */
  async function expectSameRows(store: S3ObjectStore, uri: string, version?: number): Promise<void> {
    const table = await DeltaTable.open(store, { engine });
    const at = version === undefined ? {} : { version };
    const snapshot = await table.snapshot(at);
    const ours = await (await table.scan(at)).sql();
    const output = path.join(scratch, `read-${randomUUID()}`);
    const answer = await spark.send({ op: 'read', path: uri, output, ...(version === undefined ? {} : { version }) });
    if (!answer.ok) throw new Error(`Spark could not read ${uri}: ${answer.error}\n${answer.trace ?? ''}`);
    const difference = await rowDifference(engine, readableFields(snapshot), ours, `read_parquet(${quoteLiteral(`${output}/*.parquet`)})`);
    expect(difference, `Aquifer vs Spark at v${snapshot.version}`).toBeUndefined();
  }

  const rows = (from: number, to: number) => `SELECT i::BIGINT AS id, 'p' || (i % 3) AS part, (i * 2)::INTEGER AS v FROM range(${from}, ${to}) t(i)`;

  it('Spark reads what Aquifer writes on MinIO: deletion vectors, a checkpoint, merges, at every version', async () => {
    const { store, uri } = location('aquifer-dv');
    const { table } = await DeltaTable.create(store, {
      engine,
      data: { sql: rows(0, 3000) },
      partitionColumns: ['part'],
      properties: { 'delta.enableDeletionVectors': 'true', 'delta.checkpointInterval': '3' },
    });
    await table.append({ sql: rows(3000, 4000) });
    await table.delete('id % 7 = 0');
    await table.update({ set: { v: '-v' }, where: "part = 'p1' AND id < 1000" });
    await table.merge({
      source: { sql: `SELECT id, part, v + 1 AS v, id % 5 = 0 AS gone FROM (${rows(3900, 4700)})` },
      on: 'target.id = source.id',
      whenMatched: [{ condition: 'source.gone', delete: true }, { update: { v: 'source.v' } }],
      whenNotMatched: [{ insert: { id: 'source.id', part: 'source.part', v: 'source.v' } }],
    });
    expect((await table.snapshot()).files.some((f) => f.deletionVector !== undefined)).toBe(true);
    expect(await store.head('_delta_log/00000000000000000003.checkpoint.parquet')).toBeDefined();
    for (const version of [undefined, 1, 2, 3]) await expectSameRows(store, uri, version);
  }, 600_000);

  it('Spark reads what Aquifer writes on MinIO with column mapping after a rename and a drop', async () => {
    const { store, uri } = location('aquifer-mapped');
    const { table } = await DeltaTable.create(store, {
      engine,
      data: { sql: rows(0, 2000) },
      partitionColumns: ['part'],
      properties: { 'delta.columnMapping.mode': 'name' },
    });
    await table.renameColumn('v', 'value');
    await table.append({ sql: `SELECT id, part, (-id)::INTEGER AS value, 'x' AS extra FROM (${rows(2000, 2500)})` }, { mergeSchema: true });
    await table.dropColumns(['extra']);
    await table.renameColumn('part', 'region');
    for (const version of [undefined, 0, 2]) await expectSameRows(store, uri, version);
  }, 600_000);

  it('Aquifer reads what Spark writes on MinIO: INSERTs up to its checkpoint, DELETE with deletion vectors, UPDATE, MERGE', async () => {
    const { store, uri } = location('spark-dv');
    const t = `delta.\`${uri}\``;
    await spark.sql(
      `CREATE TABLE ${t} (id BIGINT, part STRING, v INT) USING delta PARTITIONED BY (part) TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')`,
      ...Array.from(
        { length: 10 },
        (_, k) => `INSERT INTO ${t} SELECT id, concat('p', CAST(id % 3 AS STRING)), CAST(id * 2 AS INT) FROM range(${k * 300}, ${(k + 1) * 300})`,
      ),
      `DELETE FROM ${t} WHERE id % 7 = 0`,
      `UPDATE ${t} SET v = -v WHERE part = 'p1' AND id < 900`,
      `MERGE INTO ${t} AS target USING (SELECT id, concat('p', CAST(id % 3 AS STRING)) AS part, CAST(id AS INT) AS v FROM range(2800, 3400)) AS source ON target.id = source.id
         WHEN MATCHED AND source.id % 5 = 0 THEN DELETE WHEN MATCHED THEN UPDATE SET v = source.v WHEN NOT MATCHED THEN INSERT *`,
    );
    expect(await store.head('_delta_log/00000000000000000010.checkpoint.parquet')).toBeDefined();
    const snapshot = await (await DeltaTable.open(store, { engine })).snapshot();
    expect(snapshot.version).toBe(13);
    expect(snapshot.files.some((f) => f.deletionVector !== undefined)).toBe(true);
    for (const version of [undefined, 5, 11, 12]) await expectSameRows(store, uri, version);
  }, 600_000);
});
