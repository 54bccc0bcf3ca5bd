import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { isAquiferError } from '../../../src/errors.js';
import { writeCheckpointFromLog } from '../../../src/table/checkpoint/index.js';
import { DeltaTable, type Snapshot } from '../../../src/table/index.js';
import { GOLDEN_DIR, goldenAvailable } from '../../support/shared.js';

let engine: Engine;
let scratch: string;
beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'aquifer-log-checkpoint-'));
});
afterAll(async () => {
  engine?.close();
  if (scratch !== undefined) await fs.rm(scratch, { recursive: true, force: true });
});

/** What a checkpoint must carry: live files (with their stats and deletion vectors), transactions, domains, metadata, protocol. */
function state(snapshot: Snapshot) {
  const files = snapshot.files
    .map((f) => JSON.stringify([f.path, f.partitionValues, f.size, f.stats ?? null, f.deletionVector ?? null, f.tags ?? null]))
    .sort();
  return {
    version: snapshot.version,
    files,
    txns: [...snapshot.txns].sort(),
    domains: [...snapshot.domains].sort(),
    metadata: snapshot.metadata,
    protocol: snapshot.protocol,
  };
}

/** The statements DuckDB ran while `work` did. */
async function statements(work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const run = vi.spyOn(engine, 'run').mockImplementation(async function (this: Engine, sql: string) {
    seen.push(sql);
    return Engine.prototype.run.call(this, sql);
  });
  try {
    await work();
  } finally {
    run.mockRestore();
  }
  return seen;
}

describe('checkpoints written straight from the log in DuckDB', () => {
  it('carries the same state as the log it replaces, for a table with deletion vectors, transactions, domains and removes', async () => {
    const root = path.join(scratch, 'own');
    const { table } = await DeltaTable.create(root, {
      engine,
      data: { sql: "SELECT i AS id, 'p' || (i % 2) AS part FROM range(0, 100) t(i)" },
      partitionColumns: ['part'],
      properties: { 'delta.enableDeletionVectors': 'true', 'delta.checkpointInterval': '1000' },
    });
    for (let k = 1; k < 6; k++)
      await table.append(
        { sql: `SELECT i AS id, 'p' || (i % 2) AS part FROM range(${k * 100}, ${(k + 1) * 100}) t(i)` },
        { txn: { appId: `app-${k % 2}`, version: k }, domains: [{ domain: 'aquifer.position', configuration: String(k), removed: false }] },
      );
    await table.delete('id % 3 = 0');
    await table.overwrite({ sql: "SELECT 1000 AS id, 'p1' AS part" }, { where: "part = 'p1'" });
    const replayed = await (await DeltaTable.open(root, { engine })).snapshot();
    const hint = await writeCheckpointFromLog(table.store, engine, root);
    expect(hint).toMatchObject({ version: replayed.version, numOfAddFiles: replayed.files.length });
    for (const file of await fs.readdir(path.join(root, '_delta_log'))) if (file.endsWith('.json')) await fs.rm(path.join(root, '_delta_log', file));
    const fromCheckpoint = await (await DeltaTable.open(root, { engine })).snapshot();
    expect(state(fromCheckpoint)).toEqual(state(replayed));
    expect(fromCheckpoint.tombstones.map((t) => t.path).sort()).toEqual(replayed.tombstones.map((t) => t.path).sort());
  });

  it('takes any number of commits since the last checkpoint, joined into one file for DuckDB', async () => {
    const root = path.join(scratch, 'long');
    const { table } = await DeltaTable.create(root, {
      engine,
      durable: false,
      data: { sql: 'SELECT 0::BIGINT AS id' },
      properties: { 'delta.checkpointInterval': '100000' },
    });
    const log = path.join(root, '_delta_log');
    const commit = await fs.readFile(path.join(log, '00000000000000000000.json'), 'utf8');
    const add = commit.split('\n').find((line) => line.startsWith('{"add"')) as string;
    // 300 commits, each re-adding the first file under another name: cheap to make by hand.
    for (let v = 1; v <= 300; v++) {
      const name = `part-${String(v).padStart(5, '0')}.parquet`;
      await fs.writeFile(
        path.join(log, `${String(v).padStart(20, '0')}.json`),
        `{"commitInfo":{"timestamp":${v}}}\n${add.replace(/"path":"[^"]*"/, `"path":"${name}"`)}\n`,
      );
    }
    const replayed = await (await DeltaTable.open(root, { engine })).snapshot();
    const sql = await statements(async () =>
      expect(await writeCheckpointFromLog(table.store, engine, root)).toMatchObject({ version: 300, numOfAddFiles: 301 }),
    );
    expect(sql.some((text) => text.includes('commits.jsonl'))).toBe(true);
    for (const file of await fs.readdir(log)) if (file.endsWith('.json')) await fs.rm(path.join(log, file));
    expect(state(await (await DeltaTable.open(root, { engine })).snapshot())).toEqual(state(replayed));
  });

  it('reads large commits in place rather than joining them, with the same state', async () => {
    const root = path.join(scratch, 'wide');
    const rows = (from: number) => ({ sql: `SELECT i AS id, 'k' || (i % 700) AS part FROM range(${from}, ${from + 1400}) t(i)` });
    const { table } = await DeltaTable.create(root, {
      engine,
      durable: false,
      data: rows(0),
      partitionColumns: ['part'],
      properties: { 'delta.checkpointInterval': '1000' },
    });
    await table.append(rows(1400));
    await table.overwrite({ sql: "SELECT i AS id, 'k1' AS part FROM range(0, 10) t(i)" }, { where: "part < 'k3'" });
    const log = path.join(root, '_delta_log');
    const sizes = await Promise.all((await fs.readdir(log)).filter((f) => f.endsWith('.json')).map(async (f) => (await fs.stat(path.join(log, f))).size));
    expect(Math.min(...sizes)).toBeGreaterThan(64 * 1024);
    const replayed = await (await DeltaTable.open(root, { engine })).snapshot();
    const sql = await statements(async () =>
      expect(await writeCheckpointFromLog(table.store, engine, root)).toMatchObject({ version: 2, numOfAddFiles: replayed.files.length }),
    );
    expect(sql.some((text) => text.includes('commits.jsonl'))).toBe(false);
    expect(sql.some((text) => /_delta_log\/0{19}1\.json/.test(text))).toBe(true);
    for (const file of await fs.readdir(log)) if (file.endsWith('.json')) await fs.rm(path.join(log, file));
    expect(state(await (await DeltaTable.open(root, { engine })).snapshot())).toEqual(state(replayed));
  });

  it('names a commit whose lines are not JSON objects', async () => {
    const root = path.join(scratch, 'broken');
    const { table } = await DeltaTable.create(root, { engine, data: { sql: 'SELECT 1 AS id' } });
    await table.append({ sql: 'SELECT 2 AS id' });
    const broken = path.join(root, '_delta_log', '00000000000000000001.json');
    await fs.appendFile(broken, '[1, 2]\n');
    const failure = await writeCheckpointFromLog(table.store, engine, root).catch((error: unknown) => error);
    expect(isAquiferError(failure) && failure.code).toBe('TABLE_LOG_INVALID');
    expect(String((failure as Error).message)).toContain('00000000000000000001.json');
  });

  it('refuses a 0-byte commit rather than checkpointing it as an empty version', async () => {
    const root = path.join(scratch, 'empty-commit');
    const { table } = await DeltaTable.create(root, { engine, data: { sql: 'SELECT 1 AS id' } });
    await table.append({ sql: 'SELECT 2 AS id' });
    await fs.writeFile(path.join(root, '_delta_log', '00000000000000000001.json'), '');
    const failure = await writeCheckpointFromLog(table.store, engine, root).catch((error: unknown) => error);
    expect(isAquiferError(failure) && failure.code).toBe('TABLE_LOG_INVALID');
  });

  it('leaves absolute paths to the snapshot-based writer', async () => {
    const root = path.join(scratch, 'absolute');
    const { table } = await DeltaTable.create(root, { engine, data: { sql: 'SELECT 1 AS id' } });
    const log = path.join(root, '_delta_log', '00000000000000000000.json');
    const [first] = (await table.snapshot()).files;
    await fs.writeFile(log, (await fs.readFile(log, 'utf8')).replace(`"path":"${first?.path}"`, `"path":"file://${root}/${first?.path}"`));
    expect(await writeCheckpointFromLog(table.store, engine, root)).toBeUndefined();
  });

  it.runIf(goldenAvailable())("rewrites the checkpoints of the reference implementation's golden tables with the same state", async () => {
    let compared = 0;
    for (const name of (await fs.readdir(GOLDEN_DIR)).sort()) {
      const source = path.join(GOLDEN_DIR, name, 'delta');
      if (!(await fs.stat(source).catch(() => undefined))?.isDirectory()) continue;
      const root = path.join(scratch, `golden-${name}`);
      await fs.cp(source, root, { recursive: true });
      let before: Snapshot;
      try {
        before = await (await DeltaTable.open(root, { engine })).snapshot();
      } catch (error) {
        if (isAquiferError(error)) continue; // an error case of the suite: nothing to checkpoint
        throw error;
      }
      const hint = await writeCheckpointFromLog((await DeltaTable.open(root, { engine })).store, engine, root, before.version);
      if (hint === undefined) continue;
      for (const file of await fs.readdir(path.join(root, '_delta_log'))) if (/^\d{20}\.json$/.test(file)) await fs.rm(path.join(root, '_delta_log', file));
      const after = await (await DeltaTable.open(root, { engine })).snapshot();
      expect(state(after), name).toEqual(state(before));
      compared++;
    }
    expect(compared).toBeGreaterThan(40);
  });
});
