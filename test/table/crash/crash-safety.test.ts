import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { applyToModel, INITIAL_ROWS } from '../../support/crash-operations.js';
import { sleep } from '../../support/processes.js';
import { seededRandom } from '../../support/random.js';
import { referencePython, referenceReadersAvailable, ReferenceReaders } from '../../support/reference-readers.js';
import { readableFields, rowDifference } from '../../support/row-comparison.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WRITER = path.resolve(here, '..', '..', 'support', 'crash-writer.ts');
/** SIGKILLs per table kind; `AQUIFER_CRASH_KILLS` raises it for a soak (scripts/crash-soak.sh). */
const KILLS = Number(process.env['AQUIFER_CRASH_KILLS'] ?? 100);

/** Start a writer, let it work for `ms` after it is ready, then SIGKILL it; returns the operation it had last started. */
async function killWriterAfter(root: string, ms: number): Promise<string | undefined> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, root], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let last: string | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line === 'ready') resolve();
      else last = line;
    });
    void exited.then((code) => reject(new Error(`the writer exited (${code}) on its own:\n${stderr}`)));
  });
  await ready;
  await sleep(ms);
  child.kill('SIGKILL');
  const code = await exited;
  if (code !== null) throw new Error(`the writer stopped by itself with ${code} before the kill:\n${stderr}`);
  return last;
}

describe('crash safety: SIGKILL at random points of appends, merges, deletes, updates, checkpoints and optimize', () => {
  let engine: Engine;
  let scratch: string;
  const readers = referenceReadersAvailable();

  beforeAll(async () => {
    engine = await Engine.create({ threads: 2 });
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'aquifer-crash-'));
  });
  afterAll(async () => {
    engine?.close();
    if (scratch !== undefined) await fs.rm(scratch, { recursive: true, force: true });
  });

  it.each([
    ['copy on write', {}, 11],
    ['deletion vectors', { 'delta.enableDeletionVectors': 'true' }, 23],
  ])(
    `after each of ${KILLS} kills (%s) the table loads and equals its last committed version exactly, and delta-rs agrees`,
    async (name, properties, seed) => {
      const root = path.join(scratch, name.replaceAll(' ', '-'));
      await DeltaTable.create(root, {
        engine,
        data: { sql: INITIAL_ROWS },
        partitionColumns: ['p'],
        properties: { 'delta.checkpointInterval': '4', ...properties },
      });
      const model = `model_${seed}`;
      await engine.run(`CREATE OR REPLACE TABLE ${model} AS ${INITIAL_ROWS}`);
      let modelVersion = 0;
      const next = seededRandom(seed);
      const killedDuring = new Map<string, number>();
      const reference = readers ? new ReferenceReaders(referencePython() as string, path.join(scratch, 'reads')) : undefined;
      if (reference !== undefined) await fs.mkdir(path.join(scratch, 'reads'), { recursive: true });
      for (let kill = 1; kill <= KILLS; kill++) {
        const last = await killWriterAfter(root, Math.floor(next() * 400));
        const table = await DeltaTable.open(root, { engine });
        const snapshot = await table.snapshot();
        // Bring the model to the version the log reached, by the operation each commit names.
        for (let v = modelVersion + 1; v <= snapshot.version; v++) {
          const info = (await table.commitActions(v)).find((a) => a.kind === 'commitInfo');
          await applyToModel(engine, model, v, info?.kind === 'commitInfo' ? String(info.commitInfo.operation) : '?');
        }
        modelVersion = snapshot.version;
        if (last !== undefined && Number(last.split(' ')[0]?.slice(1)) > snapshot.version) {
          const op = last.split(' ')[1] ?? '?';
          killedDuring.set(op, (killedDuring.get(op) ?? 0) + 1);
        }
        const difference = await rowDifference(engine, readableFields(snapshot), await (await table.scan()).sql(), model);
        expect(difference, `after kill ${kill} (${last ?? 'before any operation'}), version ${snapshot.version}`).toBeUndefined();
        if (reference !== undefined && (kill % 25 === 0 || kill === KILLS)) {
          const read = await reference.read(root, 'deltalake-sql');
          expect(read.ok, read.error).toBe(true);
          expect(read.version).toBe(snapshot.version);
          expect(
            await rowDifference(engine, readableFields(snapshot), await (await table.scan()).sql(), `read_parquet('${read.output}')`),
            `delta-rs after kill ${kill}`,
          ).toBeUndefined();
        }
      }
      // Where the kills landed (informational: timing decides it, so it is reported, not asserted).
      console.info(`${name}: ${KILLS} kills, table at version ${modelVersion}; killed during ${JSON.stringify(Object.fromEntries(killedDuring))}`);
    },
    1_800_000,
  );
});
