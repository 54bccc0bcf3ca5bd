import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseResult } from '../../src/conformance/index.js';
import { duckdbExtensionDirectory, httpfsAvailable } from '../support/duckdb-extensions.js';
import { awsEnvironment, minioStore } from '../support/minio-table.js';
import { minioAvailable, startMinio, type MinioService } from '../support/services.js';
import { GOLDEN_DIR, goldenAvailable, REPO_ROOT } from '../support/shared.js';

interface JsonReport {
  storage?: string;
  passed: number;
  failed: number;
  results: CaseResult[];
}

/** `npm run conformance -- ARGS --format json` as a user runs it; the S3 settings reach it only through the AWS environment. */
function conformance(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; report: JsonReport; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(REPO_ROOT, 'dist', 'conformance', 'main.js'), ...args, '--format', 'json', GOLDEN_DIR],
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        try {
          resolve({ code: error === null ? 0 : Number(error.code ?? 1), report: JSON.parse(stdout) as JsonReport, stderr });
        } catch (parseError) {
          reject(new Error(`conformance printed no JSON report (${String(parseError)}):\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}

async function countFiles(root: string, cases: string[]): Promise<number> {
  let count = 0;
  for (const name of cases) {
    const entries = await readdir(path.join(root, name, 'delta'), { recursive: true, withFileTypes: true }).catch(() => []);
    count += entries.filter((entry) => entry.isFile()).length;
  }
  return count;
}

const ready = goldenAvailable() && (await minioAvailable()) && (await httpfsAvailable());

describe.runIf(ready)('npm run conformance -- --storage s3://bucket/prefix (golden tables copied to MinIO)', () => {
  let minio: MinioService;
  let bucket: string;
  /** What a user exports: the AWS variables for MinIO, and where DuckDB finds httpfs offline. */
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    minio = await startMinio();
    bucket = await minio.createBucket();
    env = { ...awsEnvironment(minio), AQUIFER_DUCKDB_EXTENSIONS: duckdbExtensionDirectory() };
  }, 300_000);

  afterAll(async () => {
    await minio?.stop();
  }, 120_000);

  it('gives every case the local run passes the same result, with the same rows, read from the bucket', async () => {
    const local = await conformance([]);
    const passedLocally = local.report.results.filter((r) => r.passed);
    expect(passedLocally.length, local.stderr).toBeGreaterThan(0);

    const started = Date.now();
    const s3 = await conformance(['--storage', `s3://${bucket}/golden`], env);
    // Not asserted (the machine is shared): printed so a slow run shows in the log.
    console.info(`conformance on MinIO: ${s3.report.results.length} cases in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(s3.report.storage).toBe(`s3://${bucket}/golden`);
    // The tables really are in the bucket: every file of every case's delta/ folder.
    const store = await minioStore(minio, bucket, 'golden');
    try {
      expect((await store.list('', { recursive: true })).length).toBe(
        await countFiles(
          GOLDEN_DIR,
          local.report.results.map((r) => r.name),
        ),
      );
    } finally {
      store.close();
    }

    // Same names in the same order, and for each case passed locally the same verdict and the
    // same detail: row count and version, the refusal code, or the versions and files loaded.
    expect(s3.report.results.map((r) => r.name)).toEqual(local.report.results.map((r) => r.name));
    const fromS3 = new Map(s3.report.results.map((r) => [r.name, r]));
    for (const result of passedLocally) expect(fromS3.get(result.name), result.name).toEqual(result);
    expect(s3.code).toBe(local.code);
  }, 600_000);

  it('refuses a prefix that already holds objects instead of mixing runs', async () => {
    const store = await minioStore(minio, bucket, 'reused');
    try {
      await store.put('leftover.json', '{}');
    } finally {
      store.close();
    }
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(REPO_ROOT, 'dist', 'conformance', 'main.js'), '--storage', `s3://${bucket}/reused`, GOLDEN_DIR],
        { env: { ...process.env, ...env } },
        (error, _stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), stderr }),
      );
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('CONFORMANCE_STORAGE_NOT_EMPTY');
  }, 120_000);
});
