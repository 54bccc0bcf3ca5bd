import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerQualityGates } from '../../src/cli/commands/quality-gates.js';
import { Engine } from '../../src/engine/index.js';
import { Project } from '../../src/project/index.js';
import { writeSuite } from '../../src/quality/index.js';
import { DeltaTable, field, primitive, struct } from '../../src/table/index.js';
import { runCli } from '../support/cli.js';
import { quarantineRows, tableRows, tableVersion } from '../support/ingest.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;
let dir: string;

const NOT_NULL = { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'user_id' } };
const MEAN = { type: 'expect_column_mean_to_be_between', kwargs: { column: 'price', max_value: 100 } };

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  dir = await tempDir('aquifer-cli-gates-');
  const project = await Project.init(dir);
  await writeSuite(project, { name: 'orders_gate', expectations: [NOT_NULL, MEAN] });
  await writeSuite(project, { name: 'orders_warn', expectations: [NOT_NULL, MEAN], action: 'warn' });
  const schema = struct([field('id', primitive('long')), field('user_id', primitive('long')), field('price', primitive('double'))]);
  for (const name of ['orders', 'other']) await DeltaTable.create(project.tablePath(name), { engine, schema });
  project.close();
});
afterAll(() => engine.close());

/** Run `quality <args>` through the group the lead's `quality` command gets, capturing stdout. */
async function quality(args: readonly string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerQualityGates(program.command('quality'));
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  try {
    await program.parseAsync(['quality', ...args, '--project', dir], { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return out.join('');
}

const gates = async () =>
  (JSON.parse(await readFile(path.join(dir, 'aquifer.json'), 'utf8')) as { quality?: { gates?: Record<string, string> } }).quality?.gates;

describe('aquifer quality attach / detach', () => {
  it('records the gate in aquifer.json, which the project then opens with', async () => {
    expect(JSON.parse(await quality(['attach', 'other', '--suite', 'orders_gate', '--format', 'json']))).toEqual({
      table: 'other',
      suite: 'orders_gate',
      action: 'block',
      gates: { other: 'orders_gate' },
    });
    expect(await gates()).toEqual({ other: 'orders_gate' });
    const project = await Project.open(dir);
    expect(project.config.quality?.gates).toEqual({ other: 'orders_gate' });
    project.close();
    expect(await quality(['detach', 'other'])).toContain('Detached the suite orders_gate from other');
    expect(await gates()).toBeUndefined();
  });

  it('refuses a suite the project does not have, leaving the config alone', async () => {
    const before = await readFile(path.join(dir, 'aquifer.json'), 'utf8');
    await expect(quality(['attach', 'other', '--suite', 'nope'])).rejects.toMatchObject({ code: 'QUALITY_SUITE_NOT_FOUND' });
    expect(await readFile(path.join(dir, 'aquifer.json'), 'utf8')).toBe(before);
  });
});

describe('aquifer ingest file on a gated table', () => {
  it('quarantines failing records, blocks a failing batch with QUALITY_GATE_BLOCKED (exit 1, nothing written) and prints warnings under warn', async () => {
    await quality(['attach', 'orders', '--suite', 'orders_gate']);
    const location = path.join(dir, 'tables', 'orders');
    const good = path.join(dir, 'good.jsonl');
    await writeFile(good, ['{"id":1,"user_id":1,"price":5}', '{"id":2,"user_id":null,"price":6}', '{"id":3,"user_id":3,"price":7}'].join('\n'));
    const first = await runCli(['ingest', 'file', 'orders', good, '--project', dir, '--format', 'json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ accepted: 2, quarantined: 1, warnings: [] });
    expect((await quarantineRows(engine, location)).map((q) => q.reason)).toEqual(['EXPECTATION_FAILED']);

    const pricey = path.join(dir, 'pricey.jsonl');
    await writeFile(pricey, '{"id":4,"user_id":4,"price":500}\n');
    const version = await tableVersion(engine, location);
    const blocked = await runCli(['ingest', 'file', 'orders', pricey, '--project', dir]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('QUALITY_GATE_BLOCKED');
    expect(await tableVersion(engine, location)).toBe(version);

    await quality(['attach', 'orders', '--suite', 'orders_warn']);
    const warned = await runCli(['ingest', 'file', 'orders', pricey, '--project', dir]);
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stdout).toContain('warning: suite orders_warn: expect_column_mean_to_be_between');
    expect((await tableRows(engine, location)).length).toBe(3);
  });
});

describe('aquifer table append on a gated table', () => {
  it('writes through the gate: failing rows quarantined, the rest appended, with --format json counts', async () => {
    await quality(['attach', 'other', '--suite', 'orders_gate']);
    const file = path.join(dir, 'append.jsonl');
    await writeFile(file, ['{"id":1,"user_id":1,"price":5}', '{"id":2,"user_id":null,"price":6}'].join('\n'));
    const appended = await runCli(['table', 'append', 'other', '--from', file, '--project', dir, '--format', 'json']);
    expect(appended.code, appended.stderr).toBe(0);
    expect(JSON.parse(appended.stdout)).toMatchObject({ accepted: 1, quarantined: 1, warnings: [] });
    expect((await quarantineRows(engine, path.join(dir, 'tables', 'other'))).map((q) => q.reason)).toEqual(['EXPECTATION_FAILED']);
  });
});

describe('aquifer table overwrite on a gated table', () => {
  it('replaces the rows through the gate: failing rows quarantined, the rest written; --overwrite-schema refused', async () => {
    await quality(['attach', 'other', '--suite', 'orders_gate']);
    const file = path.join(dir, 'overwrite.jsonl');
    await writeFile(file, ['{"id":10,"user_id":10,"price":5}', '{"id":11,"user_id":null,"price":6}'].join('\n'));
    const written = await runCli(['table', 'overwrite', 'other', '--from', file, '--project', dir, '--format', 'json']);
    expect(written.code, written.stderr).toBe(0);
    expect(JSON.parse(written.stdout)).toMatchObject({ accepted: 1, quarantined: 1, warnings: [] });
    expect((await tableRows(engine, path.join(dir, 'tables', 'other'))).map((r) => Number(r['id']))).toEqual([10]);
    const refused = await runCli(['table', 'overwrite', 'other', '--from', file, '--overwrite-schema', '--project', dir]);
    expect(refused.code).toBe(2);
  });
});
