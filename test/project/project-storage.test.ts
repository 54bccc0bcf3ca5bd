import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { CONFIG_FILE, Project } from '../../src/project/index.js';
import { liveS3Clients } from '../../src/storage/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { minioAvailable, startMinio, type MinioService } from '../support/services.js';
import { tempDir } from '../support/temp.js';

const minioReady = await minioAvailable();

let minio: MinioService | undefined;
let bucket = '';
let engine: Engine | undefined;

beforeAll(async () => {
  if (!minioReady) return;
  minio = await startMinio();
  bucket = await minio.createBucket();
  engine = await Engine.create({ threads: 1 });
}, 300_000);

afterAll(async () => {
  engine?.close();
  await minio?.stop();
}, 120_000);

/** A project on MinIO whose config names the endpoint and the variables holding the keys, nothing else. */
async function minioProject(variables: { id: string; secret: string }): Promise<Project> {
  const dir = await tempDir('aquifer-project-s3-');
  const tableStorage = {
    type: 's3',
    root: `s3://${bucket}/projects/${randomUUID()}`,
    endpoint: minio!.endpoint,
    region: 'us-east-1',
    cache: { dir: '.aquifer/cache', maxBytes: 10_000_000 },
    credentials: { accessKeyIdEnv: variables.id, secretAccessKeyEnv: variables.secret },
  };
  await writeFile(path.join(dir, CONFIG_FILE), JSON.stringify({ name: 'lake', backends: { tableStorage } }));
  return Project.open(dir);
}

describe.skipIf(!minioReady)('a project with its tables on MinIO', () => {
  it('opens many tables on one S3 client, with the settings and credential variables of its config, and close releases it', async () => {
    const id = `AQUIFER_TEST_KEY_${randomUUID().slice(0, 8)}`;
    const secret = `AQUIFER_TEST_SECRET_${randomUUID().slice(0, 8)}`;
    process.env[id] = minio!.accessKeyId;
    process.env[secret] = minio!.secretAccessKey;
    const before = liveS3Clients();
    const project = await minioProject({ id, secret });
    try {
      for (let i = 0; i < 8; i++) {
        await DeltaTable.create(project.tablePath(`t${i}`), { engine: engine!, stores: project.stores, data: { rows: [{ id: i }] } });
      }
      for (let i = 0; i < 8; i++) {
        const rows = await (await DeltaTable.open(project.tablePath(`t${i}`), { engine: engine!, stores: project.stores })).scan().then((s) => s.rows());
        expect(rows.map((r) => Number(r['id']))).toEqual([i]);
      }
      expect(liveS3Clients()).toBe(before + 1);
    } finally {
      project.close();
      delete process.env[id];
      delete process.env[secret];
    }
    expect(liveS3Clients()).toBe(before);
  }, 180_000);

  it('fails with STORAGE_CREDENTIALS_MISSING naming the variable when the config names one that is unset', async () => {
    const project = await minioProject({ id: 'AQUIFER_TEST_UNSET_KEY_ID', secret: 'AQUIFER_TEST_UNSET_SECRET' });
    try {
      const table = await DeltaTable.open(project.tablePath('t'), { engine: engine!, stores: project.stores });
      await expect(table.snapshot()).rejects.toMatchObject({ code: 'STORAGE_CREDENTIALS_MISSING', value: 'AQUIFER_TEST_UNSET_KEY_ID' });
    } finally {
      project.close();
    }
  }, 120_000);
});
