import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { isAquiferError } from '../../../src/errors.js';
import { DeltaTable } from '../../../src/table/index.js';
import { seededRandom } from '../../support/random.js';

/**
 * Damaged tables: corrupt commit JSON, truncated or scrambled checkpoints, garbage Parquet
 * footers and bad deletion-vector files. Each read must give the right rows (where the
 * damage is in something a reader may do without, such as `_last_checkpoint`) or a typed
 * error naming the damaged file: never a crash with an untyped error, never other rows.
 */

let engine: Engine;
let scratch: string;
let pristine: string;
let truth: string;
let counter = 0;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'aquifer-fuzz-'));
  pristine = path.join(scratch, 'pristine');
  const { table } = await DeltaTable.create(pristine, {
    engine,
    data: { sql: "SELECT i AS id, 'p' || (i % 2) AS part, i * 1.5 AS v FROM range(0, 500) t(i)" },
    partitionColumns: ['part'],
    properties: { 'delta.enableDeletionVectors': 'true', 'delta.checkpointInterval': '3' },
  });
  for (let k = 1; k < 5; k++) await table.append({ sql: `SELECT i AS id, 'p' || (i % 2) AS part, i * 1.5 AS v FROM range(${k * 500}, ${(k + 1) * 500}) t(i)` });
  await table.delete('id % 9 = 0');
  truth = await outcome(pristine);
});
afterAll(async () => {
  engine?.close();
  if (scratch !== undefined) await fs.rm(scratch, { recursive: true, force: true });
});

async function copy(): Promise<string> {
  const target = path.join(scratch, `case-${++counter}`);
  await fs.cp(pristine, target, { recursive: true });
  return target;
}

/**
 * Read the table; the outcome is a fingerprint of its rows (count and sums, so every
 * value is decoded) or the typed error's code (an untyped error fails the test).
 */
async function outcome(root: string): Promise<string> {
  try {
    const sql = await (await (await DeltaTable.open(root, { engine })).scan()).sql();
    const [row] = await engine.query(`SELECT count(*) AS n, sum(id) AS ids, sum(v) AS vs, count(DISTINCT part) AS parts FROM (${sql})`);
    return `${String(row?.['n'])} rows, ids ${String(row?.['ids'])}, v ${String(row?.['vs'])}, ${String(row?.['parts'])} parts`;
  } catch (error) {
    if (!isAquiferError(error)) throw new Error(`an untyped error escaped: ${String(error)}`, { cause: error });
    return error.code;
  }
}

/**
 * Files under root passing `test`, ordered by a digest of their bytes: their names hold
 * random UUIDs, and a seeded choice among them must pick the same file on every run.
 */
async function files(root: string, test: (name: string) => boolean): Promise<string[]> {
  const out: { file: string; digest: string }[] = [];
  for (const entry of await fs.readdir(root, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !test(entry.name)) continue;
    const file = path.join(entry.parentPath, entry.name);
    out.push({
      file,
      digest: createHash('sha1')
        .update(await fs.readFile(file))
        .digest('hex'),
    });
  }
  return out.sort((a, b) => a.digest.localeCompare(b.digest) || a.file.localeCompare(b.file)).map((f) => f.file);
}

const truncate = async (file: string, fraction: number) => {
  const bytes = await fs.readFile(file);
  await fs.writeFile(file, bytes.subarray(0, Math.floor(bytes.length * fraction)));
};
const scramble = async (file: string, next: () => number, from: number, to: number, count: number) => {
  const bytes = await fs.readFile(file);
  for (let i = 0; i < count; i++) {
    const at = Math.floor(from * bytes.length + next() * (to - from) * bytes.length);
    bytes[Math.min(at, bytes.length - 1)] = Math.floor(next() * 256);
  }
  await fs.writeFile(file, bytes);
};

describe('reading damaged tables', () => {
  it('refuses commit files that are not valid actions with a typed error, for every way of breaking them', async () => {
    const next = seededRandom(7);
    const breakers: ((text: string) => string)[] = [
      (t) => t.slice(0, Math.floor(t.length * (0.2 + next() * 0.6))),
      (t) => `${t.slice(0, Math.floor(t.length / 2))}\u0000garbage{{${t.slice(Math.floor(t.length / 2))}`,
      (t) => t.replace(/"size":\d+/, '"size":"big"'),
      (t) => t.replace(/"path":"[^"]*"/, '"path":17'),
      (t) => t.replace(/"partitionValues":\{[^}]*\}/, '"partitionValues":[1,2]'),
      () => '{"add": {}}\n',
      () => 'not json at all',
      (t) => t.replace(/"protocol":\{[^}]*\}/, '"protocol":{"minReaderVersion":"x"}'),
    ];
    let cases = 0;
    for (const [i, broken] of breakers.entries()) {
      // Commit 3 is covered by checkpoint 3: broken, it is read only once that checkpoint is gone.
      for (const version of [0, 2, 3, 4, 5]) {
        const root = await copy();
        const file = path.join(root, '_delta_log', `${String(version).padStart(20, '0')}.json`);
        const text = await fs.readFile(file, 'utf8');
        if (broken(text) === text) continue;
        await fs.writeFile(file, broken(text));
        if (version <= 3) await fs.rm(path.join(root, '_delta_log', '00000000000000000003.checkpoint.parquet'));
        const result = await outcome(root);
        expect(typeof result === 'string' && result.startsWith('TABLE_'), `breaker ${i} on commit ${version}: ${String(result)}`).toBe(true);
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(25);
  });

  it('refuses truncated and scrambled checkpoints, and falls back from a broken _last_checkpoint', async () => {
    const next = seededRandom(11);
    for (let round = 0; round < 6; round++) {
      const root = await copy();
      const [checkpoint] = await files(path.join(root, '_delta_log'), (n) => n.endsWith('.checkpoint.parquet') && n.startsWith('00000000000000000003'));
      if (round % 2 === 0) await truncate(checkpoint as string, 0.1 + next() * 0.8);
      else await scramble(checkpoint as string, next, 0.9, 1, 8);
      const result = await outcome(root);
      expect(typeof result === 'string' && result.startsWith('TABLE_'), `round ${round}: ${String(result)}`).toBe(true);
    }
    const root = await copy();
    await fs.writeFile(path.join(root, '_delta_log', '_last_checkpoint'), '{"version": "six", garbage');
    expect(await outcome(root)).toBe(truth);
  });

  it('refuses data files with garbage footers or cut short, naming the file', async () => {
    const next = seededRandom(13);
    let scrambledRefused = 0;
    for (let round = 0; round < 6; round++) {
      const root = await copy();
      const data = await files(root, (n) => n.endsWith('.parquet') && n.startsWith('part-'));
      const victim = data[Math.floor(next() * data.length)] as string;
      if (round % 2 === 0) {
        await truncate(victim, 0.3 + next() * 0.6);
        expect(await outcome(root), `round ${round}`).toBe('TABLE_DATA_FILE_INVALID');
      } else {
        // A scrambled byte may fall where a reader looks no further (a statistic, a name):
        // then the rows must be exactly right; otherwise the read is refused.
        await scramble(victim, next, 0.97, 1, 6);
        const result = await outcome(root);
        expect([truth, 'TABLE_DATA_FILE_INVALID'], `round ${round}`).toContain(result);
        if (result !== truth) scrambledRefused++;
      }
    }
    expect(scrambledRefused).toBeGreaterThan(0);
  });

  it('refuses deletion-vector files that fail their checks', async () => {
    const next = seededRandom(17);
    for (let round = 0; round < 6; round++) {
      const root = await copy();
      const [dv] = await files(root, (n) => n.startsWith('deletion_vector_'));
      if (round % 3 === 0) await truncate(dv as string, 0.2 + next() * 0.7);
      else if (round % 3 === 1) await scramble(dv as string, next, 0.1, 0.9, 4);
      else await fs.writeFile(dv as string, Buffer.from([1, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0]));
      const result = await outcome(root);
      expect(result, `round ${round}`).toBe('TABLE_DELETION_VECTOR_INVALID');
    }
  });
});
