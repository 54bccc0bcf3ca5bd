import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Project } from '../../src/project/index.js';
import { erase, tagColumns } from '../../src/governance/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { useLocalAndS3Projects, type ProjectUnderTest } from '../support/s3-project.js';
import { minioAvailable } from '../support/services.js';

const minioReady = await minioAvailable();

const SUBJECTS = 10;
const id = (i: number) => `${i < SUBJECTS ? 'subject' : 'kept'}-${String(i).padStart(3, '0')}-s3x`;
const usersSql = `SELECT i, CASE WHEN i < ${SUBJECTS} THEN 'subject' ELSE 'kept' END || '-' || lpad(i::VARCHAR, 3, '0') || '-s3x' AS user_id,
  'mail' || lpad(i::VARCHAR, 3, '0') || '@s3.example' AS email FROM range(40) t(i)`;

async function withCacheInside(root: string): Promise<Project> {
  const file = path.join(root, 'aquifer.json');
  const config = JSON.parse(await readFile(file, 'utf8')) as { backends: { tableStorage: { cache?: { dir: string } } } };
  config.backends.tableStorage.cache = { dir: '.aquifer/s3-cache' };
  await writeFile(file, JSON.stringify(config, null, 2));
  return Project.open(root);
}

describe.skipIf(!minioReady)('erase on a project whose tables live in S3 (MinIO)', () => {
  const context = useLocalAndS3Projects('erase-s3');

  it('erases and proves it on S3 as on local disk: deletion vectors, partitions by the id, a checkpoint', async () => {
    const result = await context().same(async (side: ProjectUnderTest) => {
      const { engine } = context();
      // The S3 side's read cache inside the project (the default is the machine's shared one, which the erasure would scan whole).
      const project = side.kind === 's3' ? await withCacheInside(side.project.root) : side.project;
      const create = async (name: string, sql: string, options: { partitionColumns?: string[]; properties?: Record<string, string> } = {}) =>
        (await DeltaTable.create(project.tablePath(name), { engine, stores: project.stores, data: { sql }, ...options })).table;
      const users = await create('users', `SELECT user_id, email FROM (${usersSql})`, { properties: { 'delta.checkpointInterval': '2' } });
      await tagColumns(users, { email: ['pii:email'] });
      await users.append({ sql: `SELECT user_id || '-b' AS user_id, email FROM (${usersSql}) WHERE i >= ${SUBJECTS}` });
      const events = await create('events', `SELECT user_id, i % 3 AS kind FROM (${usersSql})`, { properties: { 'delta.enableDeletionVectors': 'true' } });
      await events.append({ sql: `SELECT user_id, 7 AS kind FROM (${usersSql})` });
      await create('orders', `SELECT user_id, i * 2 AS amount FROM (${usersSql}) WHERE i % 2 = 0`, { partitionColumns: ['user_id'] });

      const report = await erase(project, engine, { entities: Array.from({ length: SUBJECTS }, (_, i) => ({ column: 'user_id', value: id(i) })) });
      const left: Record<string, number> = {};
      for (const name of ['users', 'events', 'orders']) {
        const table = await DeltaTable.open(project.tablePath(name), { engine, stores: project.stores });
        left[name] = (await (await table.scan()).rows()).length;
      }
      if (side.kind === 's3') project.close();
      return {
        tables: report.tables.map((t) => ({ name: t.name, rows: t.rows, purged: t.purged !== undefined })),
        values: report.values,
        hits: report.proof?.hits ?? [],
        scannedS3: report.proof?.roots.some((r) => r.startsWith('s3://')) === (side.kind === 's3'),
        left,
      };
    });
    expect(result).toEqual({
      tables: [
        { name: 'events', rows: 2 * SUBJECTS, purged: true },
        { name: 'orders', rows: SUBJECTS / 2, purged: true },
        { name: 'users', rows: SUBJECTS, purged: true },
      ],
      values: 2 * SUBJECTS,
      hits: [],
      scannedS3: true,
      left: { users: 60, events: 60, orders: 15 },
    });
  }, 300_000);
});
