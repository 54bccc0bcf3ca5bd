import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { quarantineLocation } from '../../../src/ingest/index.js';
import { Project } from '../../../src/project/index.js';
import { setGate, writeSuite } from '../../../src/quality/index.js';
import { DeltaTable, field, primitive, struct } from '../../../src/table/index.js';
import { runCli } from '../../support/cli.js';
import { exited, sleep, startCli } from '../../support/processes.js';
import { tempDir } from '../../support/temp.js';

const FILES = 120;
const PER_FILE = 20;
const KILLS = 10;
const nullUser = (seq: number) => seq % 7 === 3;
const negativePrice = (seq: number) => seq % 11 === 5;
const isBad = (seq: number) => nullUser(seq) || negativePrice(seq);

/** A small seeded generator, so a failing run can be replayed with the same kill points. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
});
afterAll(() => engine.close());

describe('file ingest (JSON lines and CSV) into a gated table killed with SIGKILL at random points', () => {
  it(`puts every record exactly once in the table or (with its expectation) in the quarantine across ${KILLS} kills`, async () => {
    const dir = await tempDir('aquifer-gate-crash-');
    const project = await Project.init(dir);
    await writeSuite(project, {
      name: 'orders_gate',
      expectations: [
        { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'user_id' } },
        { type: 'expect_column_values_to_be_between', kwargs: { column: 'price', min_value: 0 } },
        { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 1, max_value: PER_FILE } },
      ],
    });
    const schema = struct([field('seq', primitive('long'), false), field('user_id', primitive('long')), field('price', primitive('double'))]);
    const table = project.tablePath('orders');
    await DeltaTable.create(table, { engine, schema });
    await setGate(project, 'orders', 'orders_gate');
    project.close();
    const landing = path.join(dir, 'landing');
    await mkdir(landing);
    // Every other file is CSV, which a gated table reads with its types in one go (JSON lines take the per-record checks).
    for (let f = 0; f < FILES; f++) {
      const csv = f % 2 === 1;
      const lines = Array.from({ length: PER_FILE }, (_, i) => {
        const seq = f * PER_FILE + i;
        const user = nullUser(seq) ? null : seq;
        const price = negativePrice(seq) ? -1 : seq / 2;
        return csv ? `${seq},${user ?? ''},${price}` : JSON.stringify({ seq, user_id: user, price });
      });
      await writeFile(
        path.join(landing, `orders-${String(f).padStart(3, '0')}.${csv ? 'csv' : 'jsonl'}`),
        `${csv ? 'seq,user_id,price\n' : ''}${lines.join('\n')}\n`,
      );
    }
    const args = ['ingest', 'file', 'orders', path.join(landing, 'orders-*'), '--project', dir, '--format', 'json'];

    const next = random(20261206);
    const loaded = async () => (await (await DeltaTable.open(table, { engine })).snapshot()).txns.size;
    let kills = 0;
    for (let before = 0; kills < KILLS && before < FILES; kills++) {
      const job = startCli(args);
      // Killed once the run is loading (a file more than before), at a random point of a later file's checks and commits.
      for (let waited = 0; waited < 120_000 && job.exitCode === null && (await loaded()) <= before; waited += 100) await sleep(100);
      await sleep(Math.floor(next() * 800));
      job.kill('SIGKILL');
      await exited(job);
      before = await loaded();
    }
    expect(kills).toBe(KILLS);
    // A last run, left to finish, loads what the kills left.
    const last = await runCli(args);
    expect(last.code, last.stderr).toBe(0);

    const all = Array.from({ length: FILES * PER_FILE }, (_, seq) => seq);
    const scanSql = async (location: string) => (await (await DeltaTable.open(location, { engine })).scan()).sql();
    const rows = await engine.query(`SELECT seq, count(*) AS n FROM (${await scanSql(table)}) GROUP BY seq`);
    expect(rows.filter((r) => Number(r['n']) !== 1)).toEqual([]);
    expect(rows.map((r) => Number(r['seq'])).sort((a, b) => a - b)).toEqual(all.filter((seq) => !isBad(seq)));

    const quarantined = await engine.query(
      `SELECT (payload::JSON->>'seq')::BIGINT AS seq, reason, message, count(*) AS n FROM (${await scanSql(quarantineLocation(table))}) GROUP BY ALL`,
    );
    const bySeq = new Map(quarantined.map((r) => [Number(r['seq']), r]));
    expect(quarantined.filter((r) => Number(r['n']) !== 1)).toEqual([]);
    expect([...bySeq.keys()].sort((a, b) => a - b)).toEqual(all.filter(isBad));
    for (const [seq, r] of bySeq) {
      expect(r['reason']).toBe('EXPECTATION_FAILED');
      expect(String(r['message'])).toMatch(nullUser(seq) ? /^expect_column_values_to_not_be_null / : /^expect_column_values_to_be_between /);
    }
  }, 300_000);
});
