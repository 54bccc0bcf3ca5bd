import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { gcsAvailable, startGcs, type GcsService } from '../support/services.js';
import { REPO_ROOT } from '../support/shared.js';
import { tempDir } from '../support/temp.js';

const CSV = path.join(REPO_ROOT, 'data', 'demo', 'events-2024-05-01.csv');
const gcsReady = await gcsAvailable();

let gcs: GcsService | undefined;
let bucket = '';
let dir: string;

beforeAll(async () => {
  dir = await tempDir('aquifer-cli-gcs-');
  if (!gcsReady) return;
  gcs = await startGcs();
  bucket = await gcs.createBucket();
}, 300_000);

afterAll(async () => {
  await gcs?.stop();
}, 120_000);

/** STORAGE_EMULATOR_HOST as Go clients and the emulator's docs write it (host:port), and nothing else. */
function emulatorEnv(): NodeJS.ProcessEnv {
  if (gcs === undefined) throw new Error('fake-gcs-server did not start');
  return { STORAGE_EMULATOR_HOST: new URL(gcs.endpoint).host, AQUIFER_CACHE: path.join(dir, 'cache') };
}

describe.skipIf(!gcsReady)('the CLI on GCS (fake-gcs-server)', () => {
  it('creates, appends to and reads gs:// tables found through STORAGE_EMULATOR_HOST, with the rows of a local table', async () => {
    const table = `gs://${bucket}/cli/${randomUUID()}`;
    const env = emulatorEnv();
    for (const args of [
      ['table', 'create', table, '--from', CSV],
      ['table', 'append', table, '--from', CSV],
    ]) {
      const result = await runCli(args, { env });
      expect(result.code, result.stderr).toBe(0);
    }
    const local = path.join(dir, 'local');
    expect((await runCli(['table', 'create', local, '--from', CSV])).code).toBe(0);
    expect((await runCli(['table', 'append', local, '--from', CSV])).code).toBe(0);
    const read = await runCli(['table', 'read', table, '--format', 'json'], { env });
    expect(read.code, read.stderr).toBe(0);
    const rows = JSON.parse(read.stdout) as unknown[];
    expect(rows.length).toBeGreaterThan(0);
    const sort = (r: unknown[]): string[] => r.map((x) => JSON.stringify(x)).sort();
    expect(sort(rows)).toEqual(sort(JSON.parse((await runCli(['table', 'read', local, '--format', 'json'])).stdout) as unknown[]));
  }, 120_000);

  it('exits with STORAGE_BUCKET_NOT_FOUND for a bucket the emulator does not have', async () => {
    const result = await runCli(['table', 'read', `gs://no-such-${randomUUID().slice(0, 8)}/t`], { env: emulatorEnv() });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('STORAGE_BUCKET_NOT_FOUND');
  });
});
