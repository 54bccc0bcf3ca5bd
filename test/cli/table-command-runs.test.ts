import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { closeOpened } from '../../src/cli/close-at-exit.js';
import { buildProgram } from '../../src/cli/program.js';
import { Project } from '../../src/project/index.js';
import { onJobRun, type DatasetRef, type JobRunEvent } from '../../src/observe/index.js';
import { tempDir } from '../support/temp.js';

/**
 * The commands run in this process (not as the built CLI, as the other CLI tests do), so
 * the test can listen to the job runs they publish.
 */
async function aquifer(...args: string[]): Promise<void> {
  const argv = ['node', 'aquifer', ...args];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    await (await buildProgram(argv)).parseAsync(argv);
  } finally {
    write.mockRestore();
  }
}

let dir: string;
let table: string;
const events: JobRunEvent[] = [];
let stop: (() => void) | undefined;

beforeAll(async () => {
  dir = await tempDir('aquifer-cli-runs-');
  await Project.init(dir, 'shop');
  table = path.join(dir, 'tables', 'events');
  await writeFile(path.join(dir, 'day1.csv'), 'id,country,amount\n1,NL,10.5\n2,DE,3.25\n3,NL,7\n');
  await writeFile(path.join(dir, 'day2.csv'), 'id,country,amount\n4,FR,1.5\n');
  await writeFile(path.join(dir, 'fix.csv'), 'id,country,amount\n2,DE,4.25\n5,BE,2\n');
  stop = onJobRun((event) => events.push(event));
});
afterAll(() => {
  stop?.();
  closeOpened();
});
afterEach(() => {
  events.length = 0;
});

async function fileInput(file: string): Promise<DatasetRef> {
  const bytes = await readFile(file);
  return {
    namespace: 'file',
    name: file,
    kind: 'file',
    file: { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), modified: (await stat(file)).mtime.toISOString() },
  };
}

/** The one run the command made: START then COMPLETE, its job, inputs (kind, name, version) and outputs (name, version, operation). */
function onlyRun() {
  expect(events.map((e) => e.state)).toEqual(['START', 'COMPLETE']);
  const complete = events[1]!;
  return {
    job: complete.job,
    inputs: complete.inputs,
    outputs: complete.outputs.map((o) => ({ name: o.name, version: o.version, operation: o.operation })),
  };
}

describe('aquifer table commands as job runs', () => {
  // One table through every command, in order: each step's versions follow from the ones before.
  it('makes create, append, overwrite, merge, update, delete, optimize, alter, restore and vacuum each one run table.<op>.<table> with its inputs and outputs', async () => {
    const day1 = path.join(dir, 'day1.csv');
    await aquifer('table', 'create', 'events', '--project', dir, '--from', day1, '--property', 'delta.columnMapping.mode=name');
    expect(onlyRun()).toEqual({
      job: { name: 'table.create.events', type: 'CREATE TABLE AS SELECT', project: dir },
      inputs: [await fileInput(day1)],
      outputs: [{ name: table, version: '0', operation: 'CREATE TABLE AS SELECT' }],
    });
    events.length = 0;

    const day2 = path.join(dir, 'day2.csv');
    await aquifer('table', 'append', 'events', '--project', dir, '--from', path.join(dir, 'day2*.csv'));
    expect(onlyRun()).toEqual({
      job: { name: 'table.append.events', type: 'WRITE', project: dir },
      inputs: [await fileInput(day2)],
      outputs: [{ name: table, version: '1', operation: 'WRITE' }],
    });
    events.length = 0;

    // The two files the create and the append wrote are compacted into one.
    await aquifer('table', 'optimize', 'events', '--project', dir);
    const optimized = onlyRun();
    expect(optimized.job).toEqual({ name: 'table.optimize.events', type: 'OPTIMIZE', project: dir });
    expect(optimized.inputs.map((i) => [i.kind, i.name, i.version])).toEqual([['table', table, '1']]);
    expect(optimized.outputs).toEqual([{ name: table, version: '2', operation: 'OPTIMIZE' }]);
    events.length = 0;

    const fix = path.join(dir, 'fix.csv');
    await aquifer('table', 'merge', 'events', '--project', dir, '--from', fix, '--on', 'target.id = source.id', '--upsert');
    const merged = onlyRun();
    expect(merged.job).toEqual({ name: 'table.merge.events', type: 'MERGE', project: dir });
    expect(merged.inputs.map((i) => [i.kind, i.name, i.version])).toEqual([
      ['file', fix, undefined],
      ['table', table, '2'],
    ]);
    expect(merged.inputs[0]).toEqual(await fileInput(fix));
    expect(merged.outputs).toEqual([{ name: table, version: '3', operation: 'MERGE' }]);
    events.length = 0;

    await aquifer('table', 'update', 'events', '--project', dir, '--set', 'amount=amount * 2', '--where', "country = 'NL'");
    const updated = onlyRun();
    expect(updated.job).toEqual({ name: 'table.update.events', type: 'UPDATE', project: dir });
    expect(updated.inputs.map((i) => [i.kind, i.name, i.version])).toEqual([['table', table, '3']]);
    expect(updated.outputs).toEqual([{ name: table, version: '4', operation: 'UPDATE' }]);
    events.length = 0;

    await aquifer('table', 'delete', 'events', '--project', dir, '--where', "country = 'FR'");
    const deleted = onlyRun();
    expect(deleted.job).toEqual({ name: 'table.delete.events', type: 'DELETE', project: dir });
    expect(deleted.inputs.map((i) => [i.kind, i.name, i.version])).toEqual([['table', table, '4']]);
    expect(deleted.outputs).toEqual([{ name: table, version: '5', operation: 'DELETE' }]);
    events.length = 0;

    await aquifer('table', 'alter', 'rename-column', 'events', 'amount', 'total', '--project', dir);
    const altered = onlyRun();
    expect(altered.job).toEqual({ name: 'table.alter.events', type: 'RENAME COLUMN', project: dir });
    expect(altered.outputs).toEqual([{ name: table, version: '6', operation: 'RENAME COLUMN' }]);
    events.length = 0;

    await aquifer('table', 'restore', 'events', '--project', dir, '--version', '5');
    const restored = onlyRun();
    expect(restored.job).toEqual({ name: 'table.restore.events', type: 'RESTORE', project: dir });
    expect(restored.outputs).toEqual([{ name: table, version: '7', operation: 'RESTORE' }]);
    events.length = 0;

    const overwrite = path.join(dir, 'day1.csv');
    await aquifer('table', 'overwrite', 'events', '--project', dir, '--from', overwrite);
    expect(onlyRun()).toEqual({
      job: { name: 'table.overwrite.events', type: 'WRITE', project: dir },
      inputs: [await fileInput(overwrite)],
      outputs: [{ name: table, version: '8', operation: 'WRITE' }],
    });
    events.length = 0;

    await aquifer('table', 'vacuum', 'events', '--project', dir, '--retention-hours', '0', '--force');
    const vacuumed = onlyRun();
    expect(vacuumed.job.name).toBe('table.vacuum.events');
    expect(vacuumed.job.type).toBe('VACUUM');
    expect(vacuumed.job.project).toBe(dir);
    expect(Number(vacuumed.job.parameters?.['filesDeleted'])).toBeGreaterThan(0);
    expect(vacuumed.job.parameters?.['dryRun']).toBe('false');
    expect(vacuumed.inputs.map((i) => [i.kind, i.name, i.version])).toEqual([['table', table, '8']]);
    expect(vacuumed.outputs).toEqual([]);
  });
});
