import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/shared.js';
import { tempDir } from '../support/temp.js';

const PRELOAD = path.join(REPO_ROOT, 'test', 'support', 'import-log', 'register.mjs');
/** Packages that take most of a second to load, or open native bindings: a command that needs none must not import them. */
const HEAVY = /\/node_modules\/(@duckdb\/|lmdb\/|kafkajs\/|ioredis\/|@aws-sdk\/|hono\/|@hono\/)/;

/** Run the built CLI and return its output and every module URL it resolved. */
async function runRecorded(args: readonly string[]): Promise<{ stdout: string; modules: string[] }> {
  const log = path.join(await tempDir('aquifer-startup-'), 'imports.log');
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', PRELOAD, path.join(REPO_ROOT, 'dist', 'cli', 'main.js'), ...args],
      { env: { ...process.env, AQUIFER_IMPORT_LOG: log } },
      (error, out) => (error === null ? resolve(out) : reject(error)),
    );
  });
  return { stdout, modules: (await readFile(log, 'utf8')).split('\n').filter((line) => line !== '') };
}

describe('CLI start-up', () => {
  it('prints the version without importing DuckDB, LMDB, Kafka, Redis, AWS or the HTTP server', async () => {
    const { stdout, modules } = await runRecorded(['--version']);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(modules.some((url) => url.endsWith('/dist/cli/main.js'))).toBe(true);
    expect(modules.filter((url) => HEAVY.test(url))).toEqual([]);
  });

  it('lists every command in --help without importing them', async () => {
    const { stdout, modules } = await runRecorded(['--help']);
    for (const command of [
      'init',
      'table',
      'ingest',
      'quarantine',
      'serve',
      'plan',
      'apply',
      'materialize',
      'aggregate',
      'training-set',
      'conformance',
      'quality',
      'governance',
    ])
      expect(stdout).toContain(`  ${command} `);
    expect(modules.filter((url) => HEAVY.test(url))).toEqual([]);
  });

  it('loads a command group when it is named (the recording sees DuckDB then)', async () => {
    const { stdout, modules } = await runRecorded(['table', '--help']);
    expect(stdout).toContain('read');
    expect(modules.some((url) => url.includes('/node_modules/@duckdb/'))).toBe(true);
  });
});
