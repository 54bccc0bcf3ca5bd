import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteLiteral } from '../../src/engine/index.js';
import type { S3ObjectStore } from '../../src/storage/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { readableFields, rowDifference } from '../support/row-comparison.js';
import { useS3Interop, writeColumnMappedTable, writeDeletionVectorTable } from '../support/s3-interop.js';
import { minioAvailable, startTrino, trinoAvailable, type TrinoService } from '../support/services.js';
import { trinoQuery } from '../support/trino.js';

/**
 * Trino 476 with its Delta Lake connector (file metastore, native S3) on the same MinIO
 * bucket as Aquifer: Trino reads what Aquifer writes (registered with register_table:
 * deletion vectors, a checkpoint, column mapping, earlier versions) and Aquifer reads what
 * Trino writes (INSERT, DELETE, UPDATE, MERGE, with its deletion vectors and checkpoint),
 * rows compared exactly in DuckDB.
 */
const ready = (await minioAvailable()) && (await trinoAvailable());

describe.runIf(ready)('Trino 476 and Aquifer on the same MinIO bucket', () => {
  const s3 = useS3Interop('aquifer-trino-s3-');
  let trino: TrinoService;
  const query = (sql: string) => trinoQuery(trino.endpoint, sql);

  beforeAll(async () => {
    trino = await startTrino(s3.minio);
    await query('CREATE SCHEMA delta.interop');
  }, 900_000);

  afterAll(async () => {
    await trino?.stop();
  }, 120_000);

  /** A new table prefix: Aquifer's store on it, its s3:// URI for Trino and a table name. */
  function location(name: string): { store: S3ObjectStore; uri: string; table: string } {
    const { store, prefix } = s3.location(name);
    return { store, uri: `s3://${s3.bucket}/${prefix}`, table: `delta.interop."${prefix}"` };
  }

  /** Trino's rows of a query as a DuckDB relation (newline-delimited JSON in the scratch folder). */
  async function trinoRows(sql: string): Promise<string> {
    const rows = await query(sql);
    expect(rows.length, `Trino returned no rows for ${sql}`).toBeGreaterThan(0);
    const file = path.join(s3.scratch, `trino-${randomUUID()}.json`);
    await fs.writeFile(file, rows.map((row) => JSON.stringify(row)).join('\n'));
    return `read_json(${quoteLiteral(file)}, format = 'newline_delimited')`;
  }

  /** Aquifer's read and Trino's read of a version must be the same multiset of rows, with the same column names. */
  async function expectSameRows(store: S3ObjectStore, table: string, version?: number): Promise<void> {
    const delta = await DeltaTable.open(store, { engine: s3.engine });
    const at = version === undefined ? {} : { version };
    const snapshot = await delta.snapshot(at);
    const ours = await (await delta.scan(at)).sql();
    const theirs = await trinoRows(`SELECT * FROM ${table}${version === undefined ? '' : ` FOR VERSION AS OF ${version}`}`);
    const difference = await rowDifference(s3.engine, readableFields(snapshot), ours, theirs);
    expect(difference, `Aquifer vs Trino at v${snapshot.version}`).toBeUndefined();
  }

  /** Trino sees a table Aquifer wrote once it is registered in its metastore. */
  const register = (uri: string, table: string) =>
    query(
      `CALL delta.system.register_table(schema_name => 'interop', table_name => '${table.split('.')[2]?.replaceAll('"', '')}', table_location => '${uri}')`,
    );

  it('Trino reads what Aquifer writes on MinIO: deletion vectors, a checkpoint, merges, at every version', async () => {
    const { store, uri, table: name } = location('aquifer-dv');
    const table = await writeDeletionVectorTable(store, s3.engine);
    expect((await table.snapshot()).files.some((f) => f.deletionVector !== undefined)).toBe(true);
    expect(await store.head('_delta_log/00000000000000000003.checkpoint.parquet')).toBeDefined();
    await register(uri, name);
    for (const version of [undefined, 1, 2, 3]) await expectSameRows(store, name, version);
  }, 600_000);

  it('Trino reads what Aquifer writes on MinIO with column mapping after a rename and a drop', async () => {
    const { store, uri, table: name } = location('aquifer-mapped');
    await writeColumnMappedTable(store, s3.engine);
    await register(uri, name);
    await expectSameRows(store, name);
  }, 600_000);

  it('Aquifer reads what Trino writes on MinIO: INSERTs past its checkpoint, DELETE with deletion vectors, UPDATE, MERGE', async () => {
    const { store, uri, table: name } = location('trino-dv');
    await query(
      `CREATE TABLE ${name} (id BIGINT, part VARCHAR, v INTEGER) WITH (location = '${uri}', partitioned_by = ARRAY['part'], deletion_vectors_enabled = true, checkpoint_interval = 5)`,
    );
    for (let k = 0; k < 6; k++) {
      await query(
        `INSERT INTO ${name} SELECT x, 'p' || CAST(x % 3 AS VARCHAR), CAST(x * 2 AS INTEGER) FROM UNNEST(sequence(${k * 300}, ${(k + 1) * 300 - 1})) AS u(x)`,
      );
    }
    await query(`DELETE FROM ${name} WHERE id % 7 = 0`);
    await query(`UPDATE ${name} SET v = -v WHERE part = 'p1' AND id < 900`);
    await query(
      `MERGE INTO ${name} AS target USING (SELECT x AS id, 'p' || CAST(x % 3 AS VARCHAR) AS part, CAST(x AS INTEGER) AS v FROM UNNEST(sequence(1600, 2199)) AS u(x)) AS source ON target.id = source.id
         WHEN MATCHED AND source.id % 5 = 0 THEN DELETE WHEN MATCHED THEN UPDATE SET v = source.v WHEN NOT MATCHED THEN INSERT VALUES (source.id, source.part, source.v)`,
    );
    const log = (await store.list('_delta_log')).map((o) => path.basename(o.path));
    expect(log.some((f) => f.endsWith('.checkpoint.parquet'))).toBe(true);
    const snapshot = await (await DeltaTable.open(store, { engine: s3.engine })).snapshot();
    expect(snapshot.version).toBe(9);
    expect(snapshot.files.some((f) => f.deletionVector !== undefined)).toBe(true);
    for (const version of [undefined, 3, 6, 7, 8]) await expectSameRows(store, name, version);
  }, 600_000);
});
