import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteLiteral } from '../../src/engine/index.js';
import type { S3ObjectStore } from '../../src/storage/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { readableFields, rowDifference } from '../support/row-comparison.js';
import { useS3Interop, writeColumnMappedTable, writeDeletionVectorTable } from '../support/s3-interop.js';
import { minioAvailable } from '../support/services.js';
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
  const s3 = useS3Interop('aquifer-spark-s3-');
  let spark: SparkSession;

  beforeAll(async () => {
    spark = await SparkSession.start(s3.minio);
  }, 600_000);

  afterAll(async () => {
    await spark?.stop();
  }, 120_000);

  /** A new table prefix: Aquifer's store on it and Spark's s3a URI for it. */
  function location(name: string): { store: S3ObjectStore; uri: string } {
    const { store, prefix } = s3.location(name);
    return { store, uri: `s3a://${s3.bucket}/${prefix}` };
  }

  /** Aquifer's read and Spark's read (through s3a) of a version must be the same multiset of rows. */
  async function expectSameRows(store: S3ObjectStore, uri: string, version?: number): Promise<void> {
    const table = await DeltaTable.open(store, { engine: s3.engine });
    const at = version === undefined ? {} : { version };
    const snapshot = await table.snapshot(at);
    const ours = await (await table.scan(at)).sql();
    const output = path.join(s3.scratch, `read-${randomUUID()}`);
    const answer = await spark.send({ op: 'read', path: uri, output, ...(version === undefined ? {} : { version }) });
    if (!answer.ok) throw new Error(`Spark could not read ${uri}: ${answer.error}\n${answer.trace ?? ''}`);
    const difference = await rowDifference(s3.engine, readableFields(snapshot), ours, `read_parquet(${quoteLiteral(`${output}/*.parquet`)})`);
    expect(difference, `Aquifer vs Spark at v${snapshot.version}`).toBeUndefined();
  }

  it('Spark reads what Aquifer writes on MinIO: deletion vectors, a checkpoint, merges, at every version', async () => {
    const { store, uri } = location('aquifer-dv');
    const table = await writeDeletionVectorTable(store, s3.engine);
    expect((await table.snapshot()).files.some((f) => f.deletionVector !== undefined)).toBe(true);
    expect(await store.head('_delta_log/00000000000000000003.checkpoint.parquet')).toBeDefined();
    for (const version of [undefined, 1, 2, 3]) await expectSameRows(store, uri, version);
  }, 600_000);

  it('Spark reads what Aquifer writes on MinIO with column mapping after a rename and a drop', async () => {
    const { store, uri } = location('aquifer-mapped');
    await writeColumnMappedTable(store, s3.engine);
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
    const snapshot = await (await DeltaTable.open(store, { engine: s3.engine })).snapshot();
    expect(snapshot.version).toBe(13);
    expect(snapshot.files.some((f) => f.deletionVector !== undefined)).toBe(true);
    for (const version of [undefined, 5, 11, 12]) await expectSameRows(store, uri, version);
  }, 600_000);
});
