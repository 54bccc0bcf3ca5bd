import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { minioAvailable, startMinio, type MinioService } from '../support/services.js';
import { REPO_ROOT } from '../support/shared.js';
import { tempDir } from '../support/temp.js';

const CSV = path.join(REPO_ROOT, 'data', 'demo', 'events-2024-05-01.csv');
const minioReady = await minioAvailable();

let minio: MinioService | undefined;
let bucket = '';
let dir: string;

beforeAll(async () => {
  dir = await tempDir('aquifer-cli-s3-');
  if (!minioReady) return;
  minio = await startMinio();
  bucket = await minio.createBucket();
}, 300_000);

afterAll(async () => {
  await minio?.stop();
}, 120_000);

/** The standard AWS environment, as a user would set it for MinIO, and nothing else. */
function awsEnv(): NodeJS.ProcessEnv {
  if (minio === undefined) throw new Error('MinIO did not start');
  return {
    AWS_ENDPOINT_URL_S3: minio.endpoint,
    AWS_ACCESS_KEY_ID: minio.accessKeyId,
    AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AQUIFER_CACHE: path.join(dir, 'cache'),
  };
}

describe.skipIf(!minioReady)('the CLI on S3 (MinIO)', () => {
  it('creates, appends to, reads and lists the history of s3:// tables with the AWS environment', async () => {
    const table = `s3://${bucket}/cli/${randomUUID()}`;
    const env = awsEnv();
    const created = await runCli(['table', 'create', table, '--from', CSV], { env });
    expect(created.code, created.stderr).toBe(0);
    const appended = await runCli(['table', 'append', table, '--from', CSV], { env });
    expect(appended.code, appended.stderr).toBe(0);
    const local = path.join(dir, 'local');
    expect((await runCli(['table', 'create', local, '--from', CSV])).code).toBe(0);
    expect((await runCli(['table', 'append', local, '--from', CSV])).code).toBe(0);

    const read = await runCli(['table', 'read', table, '--format', 'json'], { env });
    expect(read.code, read.stderr).toBe(0);
    const rows = JSON.parse(read.stdout) as unknown[];
    expect(rows.length).toBeGreaterThan(0);
    const readLocal = await runCli(['table', 'read', local, '--format', 'json']);
    const sort = (r: unknown[]) => r.map((x) => JSON.stringify(x)).sort();
    expect(sort(rows)).toEqual(sort(JSON.parse(readLocal.stdout) as unknown[]));

    const history = await runCli(['table', 'history', table, '--format', 'json'], { env });
    expect(history.code, history.stderr).toBe(0);
    expect(JSON.parse(history.stdout)).toHaveLength(2);
  }, 300_000);

  it('fails with STORAGE_CREDENTIALS_MISSING when no credentials are set', async () => {
    if (minio === undefined) throw new Error('MinIO did not start');
    const home = await tempDir('aquifer-cli-s3-home-');
    const read = await runCli(['table', 'read', `s3://${bucket}/nothing`], {
      env: {
        AWS_ENDPOINT_URL_S3: minio.endpoint,
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_PROFILE: '',
        HOME: home,
        AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none'),
        AWS_CONFIG_FILE: path.join(home, 'none'),
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    expect(read.code).toBe(1);
    expect(read.stderr).toContain('STORAGE_CREDENTIALS_MISSING');
  }, 120_000);

  it('makes a project whose tables live in S3 with init --storage, then ingests a file and reads it back', async () => {
    const root = path.join(dir, 'project');
    const storage = `s3://${bucket}/projects/${randomUUID()}`;
    const env = awsEnv();
    const init = await runCli(['init', root, '--storage', storage, '--format', 'json'], { env });
    expect(init.code, init.stderr).toBe(0);
    const config = JSON.parse(await readFile(path.join(root, 'aquifer.json'), 'utf8')) as unknown;
    expect(config).toMatchObject({ backends: { tableStorage: { type: 's3', root: storage } } });

    const ingested = await runCli(['ingest', 'file', 'events', CSV, '--format', 'json'], { cwd: root, env });
    expect(ingested.code, ingested.stderr).toBe(0);
    const read = await runCli(['table', 'read', 'events', '--format', 'json'], { cwd: root, env });
    expect(read.code, read.stderr).toBe(0);
    expect((JSON.parse(read.stdout) as unknown[]).length).toBeGreaterThan(0);
    // The table is in the bucket, under the project's root, not in the project folder.
    const described = await runCli(['table', 'describe', `${storage}/events`, '--format', 'json'], { env });
    expect(described.code, described.stderr).toBe(0);
    expect(JSON.parse(described.stdout)).toMatchObject({ location: `${storage}/events` });
  }, 300_000);

  it('makes a project with the endpoint and region in aquifer.json, used with no AWS setting but the credential variables', async () => {
    if (minio === undefined) throw new Error('MinIO did not start');
    const root = path.join(dir, `configured-${randomUUID()}`);
    const storage = `s3://${bucket}/projects/${randomUUID()}`;
    // Only keys in the environment: the endpoint and region must come from the project.
    const keysOnly: NodeJS.ProcessEnv = {
      AWS_ENDPOINT_URL_S3: '',
      AWS_ENDPOINT_URL: '',
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
      AWS_PROFILE: '',
      AWS_ACCESS_KEY_ID: minio.accessKeyId,
      AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AQUIFER_CACHE: path.join(dir, 'cache'),
    };
    const init = await runCli(['init', root, '--storage', storage, '--endpoint', minio.endpoint, '--region', 'us-east-1'], { env: keysOnly });
    expect(init.code, init.stderr).toBe(0);
    const file = path.join(root, 'aquifer.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as { backends: { tableStorage: Record<string, unknown> } };
    expect(config.backends.tableStorage).toEqual({ type: 's3', root: storage, endpoint: minio.endpoint, region: 'us-east-1' });

    const ingested = await runCli(['ingest', 'file', 'events', CSV, '--format', 'json'], { cwd: root, env: keysOnly });
    expect(ingested.code, ingested.stderr).toBe(0);
    const appended = await runCli(['table', 'append', 'events', '--from', CSV], { cwd: root, env: keysOnly });
    expect(appended.code, appended.stderr).toBe(0);
    const history = await runCli(['table', 'history', `${storage}/events`, '--format', 'json'], { cwd: root, env: keysOnly });
    expect(history.code, history.stderr).toBe(0);
    // The table's creation by ingest, its batch, the append.
    expect(JSON.parse(history.stdout)).toHaveLength(3);

    // Keys from variables the config names, with the standard ones unset.
    config.backends.tableStorage['credentials'] = { accessKeyIdEnv: 'LAKE_KEY_ID', secretAccessKeyEnv: 'LAKE_SECRET' };
    await writeFile(file, JSON.stringify(config));
    const named = { ...keysOnly, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', LAKE_KEY_ID: minio.accessKeyId, LAKE_SECRET: minio.secretAccessKey };
    const read = await runCli(['table', 'read', 'events', '--format', 'json'], { cwd: root, env: named });
    expect(read.code, read.stderr).toBe(0);
    expect((JSON.parse(read.stdout) as unknown[]).length).toBeGreaterThan(0);
    const unset = await runCli(['table', 'read', 'events'], { cwd: root, env: { ...named, LAKE_SECRET: '' } });
    expect(unset.code).toBe(1);
    expect(unset.stderr).toContain('STORAGE_CREDENTIALS_MISSING');
    expect(unset.stderr).toContain('LAKE_SECRET');
  }, 300_000);

  it('refuses --endpoint without --storage as a usage error', async () => {
    const init = await runCli(['init', path.join(dir, 'no-storage'), '--endpoint', 'http://127.0.0.1:9000']);
    expect(init.code).toBe(2);
  });

  it('refuses an init --storage that is not an s3:// URI', async () => {
    const init = await runCli(['init', path.join(dir, 'bad'), '--storage', 'gs://bucket/x']);
    expect(init.code).toBe(1);
    expect(init.stderr).toContain('PROJECT_CONFIG_INVALID');
  });
});
