import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { profileRows } from '../../../src/quality/profile/profile.js';
import { field, primitive } from '../../../src/table/index.js';

const source = {
  sql: `SELECT i AS id, (hash(i) % 1000003) / 7.0 AS price FROM range(3000000) t(i)`,
  fields: [field('id', primitive('long')), field('price', primitive('double'))],
};

const engines: Engine[] = [];
const spill: string[] = [];
afterAll(async () => {
  for (const engine of engines) engine.close();
  for (const dir of spill) await rm(dir, { recursive: true, force: true });
});

describe('profiling out of core', () => {
  it('profiles data larger than DuckDB memory_limit by spilling, with the same profile as in memory', async () => {
    const tempDirectory = await mkdtemp(path.join(os.tmpdir(), 'aquifer-spill-'));
    spill.push(tempDirectory);
    const small = await Engine.create({ memoryLimit: '48MB', tempDirectory, threads: 2 });
    const roomy = await Engine.create();
    engines.push(small, roomy);
    const limited = await profileRows(small, source);
    const free = await profileRows(roomy, source);
    expect(limited).toEqual(free);
    expect(limited.columns[1]?.quantiles?.values.every((v) => typeof v === 'number')).toBe(true);
  });
});
