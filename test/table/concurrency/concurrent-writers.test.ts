import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { DeltaTable } from '../../../src/table/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WRITER = path.resolve(here, '..', '..', 'support', 'concurrent-writer.ts');
const WRITERS = 4;
const OPS = 16;

interface Reported {
  writer: number;
  op: number;
  kind: 'append' | 'increment' | 'delete' | 'merge';
  batch: number;
  target?: number;
  version: number;
  committed: boolean;
  conflicts: number;
}

function runWriter(writer: number, root: string, seed: number): Promise<Reported[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, String(writer), root, String(OPS), String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`writer ${writer} failed (${code}):\n${err.slice(-3000)}`));
      else
        resolve(
          out
            .trim()
            .split('\n')
            .filter((l) => l !== '')
            .map((l) => JSON.parse(l) as Reported),
        );
    });
  });
}

describe('concurrent writers on one table', () => {
  let engine: Engine;
  let scratch: string;
  beforeAll(async () => {
    engine = await Engine.create({ threads: 2 });
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'aquifer-concurrency-'));
  });
  afterAll(async () => {
    engine?.close();
    if (scratch !== undefined) await fs.rm(scratch, { recursive: true, force: true });
  });

  it.each([
    ['copy on write', {}],
    ['deletion vectors', { 'delta.enableDeletionVectors': 'true' }],
  ])(
    `${WRITERS} processes appending, updating one shared row, deleting and merging (%s): every committed write visible exactly once, no lost update`,
    async (name, properties) => {
      const root = path.join(scratch, name.replaceAll(' ', '-'));
      await DeltaTable.create(root, {
        engine,
        data: { sql: 'SELECT 0::BIGINT AS id, -1 AS writer, 0::BIGINT AS val' },
        properties: { 'delta.checkpointInterval': '5', ...properties },
      });
      const reports = (await Promise.all(Array.from({ length: WRITERS }, (_, w) => runWriter(w + 1, root, 1000 + w)))).flat();
      expect(reports).toHaveLength(WRITERS * OPS);
      const committed = reports.filter((r) => r.committed);
      // Each committed write has a version of its own, and the log holds exactly those commits.
      const versions = committed.map((r) => r.version).sort((a, b) => a - b);
      expect(new Set(versions).size).toBe(versions.length);
      const table = await DeltaTable.open(root, { engine });
      const snapshot = await table.snapshot();
      expect(versions).toEqual(Array.from({ length: snapshot.version }, (_, i) => i + 1));
      const operations: Record<Reported['kind'], string> = { append: 'WRITE', increment: 'UPDATE', delete: 'DELETE', merge: 'MERGE' };
      for (const report of committed) {
        const info = (await table.commitActions(report.version)).find((a) => a.kind === 'commitInfo');
        expect(info?.kind === 'commitInfo' ? info.commitInfo.operation : undefined, `version ${report.version}`).toBe(operations[report.kind]);
      }
      // The expected rows, from the committed operations in version order.
      const expected = new Map<number, number>([[0, 0]]);
      for (const r of [...committed].sort((a, b) => a.version - b.version)) {
        const base = r.writer * 1_000_000;
        if (r.kind === 'append') for (let i = 0; i < 10; i++) expected.set(base + r.batch * 100 + i, 0);
        if (r.kind === 'increment') expected.set(0, (expected.get(0) ?? 0) + 1);
        if (r.kind === 'delete') expected.delete(r.target as number);
        if (r.kind === 'merge') for (let i = 5; i < 15; i++) expected.set((r.target as number) + i, 7);
      }
      const rows = await engine.query(`SELECT id, val FROM (${await (await table.scan()).sql()}) ORDER BY id`);
      expect(rows.map((r) => [Number(r['id']), Number(r['val'])])).toEqual([...expected].sort((a, b) => a[0] - b[0]));
      // No lost update: the shared counter counts every committed increment.
      expect(expected.get(0)).toBe(committed.filter((r) => r.kind === 'increment').length);
      const conflicts = reports.reduce((n, r) => n + r.conflicts, 0);
      console.info(`${name}: ${committed.length} commits by ${WRITERS} writers, ${conflicts} logical conflicts retried`);
    },
    600_000,
  );
});
